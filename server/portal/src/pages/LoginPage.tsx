import { useState, type FormEvent } from 'react';
import { SecureAccessError } from '../../../../protocol/errors';
import { api } from '../api/client';
import { Alert, ErrorAlert, Field, PageTitle, SecretInput } from '../components/ui';
import { useI18n } from '../i18n/I18nProvider';
import { useSession, type LoginNotice } from '../session';

const IDENTIFIER_PATTERN = /^[A-Za-z0-9._-]{3,64}$/;

export function LoginPage({ notice, initialError }: { notice: LoginNotice | null; initialError: unknown }) {
  const { t } = useI18n();
  const { apply } = useSession();
  const [identifier, setIdentifier] = useState('');
  const [secretCode, setSecretCode] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(initialError);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const trimmed = identifier.trim();
    // A malformed identifier or a too-short code cannot be right: same answer as a wrong pair, without a round trip.
    if (!IDENTIFIER_PATTERN.test(trimmed) || secretCode.length < 4) {
      setError(new SecureAccessError('invalid_credentials', 'invalid credentials'));
      return;
    }
    setBusy(true);
    try {
      apply(await api.call('login', { body: { identifier: trimmed, secretCode } }));
    } catch (caught) {
      setError(caught);
      setSecretCode('');
    } finally {
      setBusy(false);
    }
  }

  const noticeText = notice === 'idle' ? t.app.loggedOutIdle : notice === 'session_lost' ? t.app.sessionLost : notice === 'logged_out' ? t.app.loggedOut : null;

  return (
    <div className="narrow-page">
      <PageTitle title={t.login.title}>{t.login.title}</PageTitle>
      {noticeText && !error && <Alert tone={notice === 'logged_out' ? 'info' : 'warning'}>{noticeText}</Alert>}
      <form className="card form" onSubmit={submit} noValidate aria-describedby="login-intro">
        <p id="login-intro">{t.login.intro}</p>
        <Field label={t.login.identifier}>
          {(props) => (
            <input
              {...props}
              name="identifier"
              value={identifier}
              onChange={(event) => setIdentifier(event.target.value)}
              autoComplete="username"
              autoCapitalize="off"
              spellCheck={false}
              required
              maxLength={64}
            />
          )}
        </Field>
        <Field label={t.login.secretCode}>
          {(props) => <SecretInput {...props} name="secretCode" value={secretCode} onChange={setSecretCode} autoComplete="current-password" required maxLength={128} />}
        </Field>
        <ErrorAlert error={error} />
        <div className="actions">
          <button type="submit" className="button-primary" disabled={busy}>
            {busy ? t.login.submitting : t.login.submit}
          </button>
        </div>
      </form>
      <div className="card card-muted">
        <p>{t.login.firstConnection}</p>
        <p>{t.login.security}</p>
      </div>
    </div>
  );
}
