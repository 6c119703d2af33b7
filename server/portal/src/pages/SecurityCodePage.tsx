import { useState, type FormEvent } from 'react';
import type { OtpChannelT, SessionViewT } from '../../../../protocol/schemas';
import { SecureAccessError } from '../../../../protocol/errors';
import { api } from '../api/client';
import { StepIndicator } from '../components/StepIndicator';
import { Alert, ErrorAlert, Field, PageTitle } from '../components/ui';
import { useDemoMode } from '../demo';
import { useServerNow } from '../hooks/useNow';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';
import { useSession } from '../session';

const CODE_PATTERN = /^[0-9]{8}$/;
/** Errors after which the code on the phone is useless: the person needs a new one. */
const CODE_GONE = new Set(['security_code_expired', 'security_code_not_requested']);

export function SecurityCodePage({ session }: { session: SessionViewT }) {
  const { t, format } = useI18n();
  const { apply, refresh, logout } = useSession();
  const demo = useDemoMode();
  const sent = session.securityCode;
  const now = useServerNow(1_000, sent !== null);
  const [channel, setChannel] = useState<OtpChannelT>(sent?.channel ?? 'sms');
  const [choosing, setChoosing] = useState(false);
  const [code, setCode] = useState('');
  const [busy, setBusy] = useState<'send' | 'verify' | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [codeError, setCodeError] = useState<string | null>(null);

  const phone = session.securityPhoneMasked ?? '';
  const expired = sent !== null && Date.parse(sent.expiresAt) <= now;
  const usable = sent !== null && !expired && sent.attemptsLeft > 0;
  const showChoice = !usable || choosing;

  async function send(event: FormEvent) {
    event.preventDefault();
    setBusy('send');
    setError(null);
    try {
      apply(await api.call('sendSecurityCode', { body: { channel } }));
      setChoosing(false);
      setCode('');
      setCodeError(null);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(null);
    }
  }

  async function verify(event: FormEvent) {
    event.preventDefault();
    setError(null);
    const digits = code.replace(/\s+/g, '');
    if (!CODE_PATTERN.test(digits)) {
      setCodeError(t.securityCode.codeFormat);
      return;
    }
    setCodeError(null);
    setBusy('verify');
    try {
      apply(await api.call('verifySecurityCode', { body: { code: digits } }));
    } catch (caught) {
      // Too many wrong codes end the session on the server: back to the login page, saying why.
      if (caught instanceof SecureAccessError && caught.code === 'security_code_attempts_exhausted') {
        await logout(null, caught);
        return;
      }
      setError(caught);
      setCode('');
      if (caught instanceof SecureAccessError && (caught.code === 'security_code_invalid' || CODE_GONE.has(caught.code))) {
        await refresh().catch(() => undefined);
      }
    } finally {
      setBusy(null);
    }
  }

  return (
    <div className="narrow-page">
      <StepIndicator session={session} />
      <PageTitle title={t.securityCode.title}>{t.securityCode.title}</PageTitle>
      {phone ? <p className="lead">{t.securityCode.intro(phone)}</p> : <Alert tone="error">{t.securityCode.noPhone}</Alert>}

      {sent && !choosing && (
        <div className="card">
          <p>{t.securityCode.sent(sent.channel, phone, format.time(sent.sentAt))}</p>
          {expired ? (
            <Alert tone="warning">{t.securityCode.expired}</Alert>
          ) : (
            <p className="muted">
              {t.securityCode.validUntil(format.time(sent.expiresAt))} {t.securityCode.timeLeft(format.duration(Date.parse(sent.expiresAt) - now))}
            </p>
          )}
          {usable && (
            <form className="form" onSubmit={verify} noValidate>
              <Field label={t.securityCode.codeLabel} error={codeError} hint={t.securityCode.attemptsLeft(sent.attemptsLeft)}>
                {(props) => (
                  <input
                    {...props}
                    className="code-input"
                    name="securityCode"
                    value={code}
                    onChange={(event) => setCode(event.target.value)}
                    inputMode="numeric"
                    autoComplete="one-time-code"
                    maxLength={10}
                    required
                    autoFocus
                  />
                )}
              </Field>
              <ErrorAlert error={error} />
              <div className="actions">
                <button type="submit" className="button-primary" disabled={busy !== null}>
                  {busy === 'verify' ? t.securityCode.verifying : t.securityCode.verify}
                </button>
                <button type="button" className="button-secondary" onClick={() => setChoosing(true)}>
                  {t.securityCode.resend}
                </button>
              </div>
            </form>
          )}
        </div>
      )}

      {showChoice && phone && (
        <form className="card form" onSubmit={send}>
          <fieldset>
            <legend>{t.securityCode.channelLegend}</legend>
            {(['sms', 'voice'] as const).map((option) => (
              <label key={option} className="choice">
                <input type="radio" name="channel" value={option} checked={channel === option} onChange={() => setChannel(option)} />
                <span>
                  <strong>{option === 'sms' ? t.securityCode.sms : t.securityCode.voice}</strong>
                  <span className="hint">{option === 'sms' ? t.securityCode.smsHint : t.securityCode.voiceHint}</span>
                </span>
              </label>
            ))}
          </fieldset>
          <ErrorAlert error={error} />
          <div className="actions">
            <button type="submit" className="button-primary" disabled={busy !== null}>
              {busy === 'send' ? t.securityCode.sending : t.securityCode.send}
            </button>
            {choosing && (
              <button type="button" className="button-secondary" onClick={() => setChoosing(false)}>
                {t.common.cancel}
              </button>
            )}
          </div>
        </form>
      )}

      {demo && (
        <Alert tone="info" title={t.app.devTool}>
          {t.app.demoBanner} <Link to={PATHS.outbox}>{t.app.openOutbox}</Link>
        </Alert>
      )}
    </div>
  );
}
