import { useState, type FormEvent, type KeyboardEvent } from 'react';
import { ErrorAlert, Field, ScreenTitle, Spinner } from '../components/common';
import { IDENTIFIER_PATTERN } from '../format';
import { errorCodeOf, useI18n } from '../i18n';
import { useAction } from '../hooks';
import { useApp } from '../state';

/** Screen 2: identifier and secret code of the Espace Client. */
export function SignIn({ serverUrl, adding, identifier: known }: { serverUrl: string; adding: boolean; identifier?: string }) {
  const { navigate, upsertAccount } = useApp();
  const { t } = useI18n();
  // Known when the person activates again (approvals locked): only the secret code is left to type.
  const [identifier, setIdentifier] = useState(known ?? '');
  const [secretCode, setSecretCode] = useState('');
  const [revealed, setRevealed] = useState(false);
  const [capsLock, setCapsLock] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const signIn = useAction(window.secureAccess.startActivation);

  const identifierProblem = submitted && !IDENTIFIER_PATTERN.test(identifier.trim()) ? t.signIn.identifierInvalid : null;
  const secretProblem = submitted && secretCode.length === 0 ? t.signIn.secretCodeInvalid : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (!IDENTIFIER_PATTERN.test(identifier.trim()) || secretCode.length === 0) return;
    const account = await signIn.execute({ serverUrl, identifier: identifier.trim(), secretCode });
    if (!account) {
      // The server's answer says what went wrong; an emptied field is not a second problem to report.
      setSecretCode('');
      setSubmitted(false);
      return;
    }
    upsertAccount(account);
    navigate({ screen: 'activation', accountId: account.id });
  };

  const watchCapsLock = (event: KeyboardEvent<HTMLInputElement>) => setCapsLock(event.getModifierState('CapsLock'));
  const temporary = errorCodeOf(signIn.error) === 'secret_code_change_required';

  return (
    <form className="stack" onSubmit={(event) => void submit(event)} noValidate aria-busy={signIn.pending}>
      <ScreenTitle>{t.signIn.title}</ScreenTitle>
      <p className="lead">{t.signIn.intro}</p>
      <p className="muted small">
        {t.signIn.server} <span className="mono">{serverUrl}</span>
      </p>
      <ErrorAlert error={signIn.error} title={temporary ? t.signIn.temporaryTitle : undefined} tone={temporary ? 'warning' : 'error'} />
      <Field label={t.signIn.identifier} problem={identifierProblem}>
        {(props) => (
          <input
            {...props}
            name="identifier"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            value={identifier}
            onChange={(event) => setIdentifier(event.target.value)}
          />
        )}
      </Field>
      <Field
        label={t.signIn.secretCode}
        problem={secretProblem}
      >
        {(props) => (
          <div className="input-with-button">
            <input
              {...props}
              name="secretCode"
              type={revealed ? 'text' : 'password'}
              autoComplete="current-password"
              spellCheck={false}
              value={secretCode}
              onChange={(event) => setSecretCode(event.target.value)}
              onKeyDown={watchCapsLock}
              onKeyUp={watchCapsLock}
              onBlur={() => setCapsLock(false)}
            />
            <button type="button" className="button-small" aria-label={revealed ? t.signIn.hideLabel : t.signIn.showLabel} onClick={() => setRevealed((shown) => !shown)}>
              {revealed ? t.signIn.hide : t.signIn.show}
            </button>
          </div>
        )}
      </Field>
      <p className="caps-lock" role="status">{capsLock ? t.signIn.capsLock : ''}</p>
      <div className="actions">
        <button type="submit" className="button-primary" disabled={signIn.pending}>
          {signIn.pending ? (
            <>
              <Spinner /> {t.signIn.submitting}
            </>
          ) : t.signIn.submit}
        </button>
        <button type="button" className="button-secondary" onClick={() => navigate({ screen: 'welcome', adding })}>{t.back}</button>
      </div>
    </form>
  );
}
