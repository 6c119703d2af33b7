import { useId, useState, type FormEvent } from 'react';
import type { SessionViewT } from '../../../../protocol/schemas';
import { api } from '../api/client';
import { useI18n } from '../i18n/I18nProvider';
import { Alert, ErrorAlert, Field, SecretInput } from './ui';

/** The rules of a new Secret Code, as the server checks them (schemas: NewSecretCode, secret_code_too_weak). */
export function secretCodeRules(candidate: string, current: string) {
  return {
    length: candidate.length >= 8,
    letters: /\p{L}/u.test(candidate),
    digits: /[0-9]/.test(candidate),
    differs: candidate.length > 0 && candidate !== current,
  };
}

export function ChangeSecretForm({ temporary, onChanged }: { temporary: boolean; onChanged(session: SessionViewT): void }) {
  const { t } = useI18n();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [confirm, setConfirm] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [triedWithUnmetRules, setTriedWithUnmetRules] = useState(false);
  const [confirmError, setConfirmError] = useState<string | null>(null);
  const [currentError, setCurrentError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const rulesId = useId();

  const rules = secretCodeRules(next, current);
  const ruleList = [
    { met: rules.length, label: t.changeSecret.ruleLength },
    { met: rules.letters, label: t.changeSecret.ruleLetters },
    { met: rules.digits, label: t.changeSecret.ruleDigits },
    { met: rules.differs, label: t.changeSecret.ruleDiffers },
  ];
  const allMet = ruleList.every((rule) => rule.met);
  // Said only after a try, and only while it is true: four green ticks never sit under a red "not every rule".
  const formError = triedWithUnmetRules && !allMet ? t.changeSecret.notValid : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(false);
    setTriedWithUnmetRules(!allMet);
    setConfirmError(next === confirm ? null : t.changeSecret.mismatch);
    setCurrentError(current.length > 0 ? null : t.common.required);
    if (!allMet || next !== confirm || current.length === 0) return;
    setBusy(true);
    try {
      const session = await api.call('changeSecret', { body: { currentSecretCode: current, newSecretCode: next } });
      setCurrent('');
      setNext('');
      setConfirm('');
      setDone(true);
      onChanged(session);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="form" onSubmit={submit} noValidate>
      <Field label={temporary ? t.changeSecret.currentTemporary : t.changeSecret.current} error={currentError}>
        {(props) => <SecretInput {...props} name="currentSecretCode" value={current} onChange={setCurrent} autoComplete="current-password" required maxLength={128} />}
      </Field>
      <Field label={t.changeSecret.next} error={formError}>
        {(props) => (
          <SecretInput
            {...props}
            aria-describedby={[props['aria-describedby'], rulesId].filter(Boolean).join(' ')}
            name="newSecretCode"
            value={next}
            onChange={setNext}
            autoComplete="new-password"
            required
            maxLength={128}
          />
        )}
      </Field>
      <div className="rules" id={rulesId}>
        <p>{t.changeSecret.rulesTitle}</p>
        <ul>
          {ruleList.map((rule) => (
            <li key={rule.label} className={rule.met ? 'rule-met' : 'rule-unmet'}>
              <span aria-hidden="true" className="rule-mark">
                {rule.met ? '✓' : '•'}
              </span>
              {rule.label}
              <span className="visually-hidden"> ({rule.met ? t.changeSecret.ruleMet : t.changeSecret.ruleUnmet})</span>
            </li>
          ))}
        </ul>
      </div>
      <Field label={t.changeSecret.confirm} error={confirmError}>
        {(props) => <SecretInput {...props} name="confirmSecretCode" value={confirm} onChange={setConfirm} autoComplete="new-password" required maxLength={128} />}
      </Field>
      <ErrorAlert error={error} />
      {done && <Alert tone="success">{t.changeSecret.changed}</Alert>}
      <div className="actions">
        <button type="submit" className="button-primary" disabled={busy}>
          {busy ? t.changeSecret.submitting : t.changeSecret.submit}
        </button>
      </div>
    </form>
  );
}
