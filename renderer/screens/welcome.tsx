import { useState, type FormEvent } from 'react';
import { Field, Icon, ScreenTitle } from '../components/common';
import { normalizeServerUrl } from '../../protocol/server-url';
import { useI18n } from '../i18n';
import { serverForNewAccount, useApp } from '../state';

/** Screen 1: what Secure Access is, and which server to use when IT's policy does not fix it. */
export function Welcome({ adding }: { adding: boolean }) {
  const { snapshot, navigate } = useApp();
  const { t } = useI18n();
  const server = serverForNewAccount(snapshot);
  const [serverInput, setServerInput] = useState(server.url);
  const [showProblem, setShowProblem] = useState(false);
  // A treasurer never types a URL when the bank built its address in: the field is there only on request.
  const [changingServer, setChangingServer] = useState(false);
  // Early feedback only: the core has the last word (a packaged app refuses plain http even on this computer).
  const normalized = server.locked ? server.url : normalizeServerUrl(serverInput, { allowLoopbackHttp: true });

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!normalized) {
      setShowProblem(true);
      return;
    }
    navigate({ screen: 'signIn', serverUrl: normalized, adding });
  };

  return (
    <form className="stack" onSubmit={submit} noValidate>
      <ScreenTitle>{adding ? t.welcome.addTitle : t.welcome.title}</ScreenTitle>
      <p className="lead">{adding ? t.welcome.addIntro : t.welcome.intro}</p>
      {adding ? null : (
        <ul className="points">
          {t.welcome.points.map((point) => (
            <li key={point}>
              <Icon name="check" size={18} />
              <span>{point}</span>
            </li>
          ))}
        </ul>
      )}
      <p>{t.welcome.needs}</p>
      {server.locked ? (
        <div className="server-locked">
          <p className="label">{t.welcome.serverLocked}</p>
          <p className="mono">{server.url}</p>
        </div>
      ) : server.preset && !changingServer ? (
        <div className="server-locked">
          <p className="label">{t.welcome.serverBuiltIn}</p>
          <p className="mono">{server.url}</p>
          <button type="button" className="button-link server-change" onClick={() => setChangingServer(true)}>{t.welcome.serverChange}</button>
        </div>
      ) : (
        <Field label={t.welcome.serverLabel} hint={t.welcome.serverHint} problem={showProblem && !normalized ? t.welcome.serverInvalid : null}>
          {(props) => (
            <input
              {...props}
              type="url"
              inputMode="url"
              autoComplete="url"
              spellCheck={false}
              value={serverInput}
              onChange={(event) => setServerInput(event.target.value)}
            />
          )}
        </Field>
      )}
      <div className="actions">
        <button type="submit" className="button-primary">{t.welcome.start}</button>
        {adding ? (
          <button type="button" className="button-secondary" onClick={() => navigate({ screen: 'accounts' })}>{t.cancel}</button>
        ) : null}
      </div>
    </form>
  );
}
