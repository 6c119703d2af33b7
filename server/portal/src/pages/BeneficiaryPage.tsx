import { useId, useRef, useState, type FormEvent } from 'react';
import { isValidIban, normalizeIban } from '../../../../protocol/iban';
import { api } from '../api/client';
import { IbanField } from '../components/IbanField';
import { OperationEntry, useOperationEntry } from '../components/OperationEntry';
import { PayeeCheckMessage, usePayeeCheck } from '../components/PayeeCheck';
import { ErrorAlert, Field } from '../components/ui';
import { useI18n } from '../i18n/I18nProvider';

export function BeneficiaryPage() {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [iban, setIban] = useState('');
  const [mismatchAcknowledged, setMismatchAcknowledged] = useState(false);
  const [showAcknowledgeError, setShowAcknowledgeError] = useState(false);
  const payeeCheck = usePayeeCheck(name, iban);
  const checkId = useId();
  const form = useRef<HTMLFormElement>(null);
  const entry = useOperationEntry();
  const nameError = entry.submitted && name.trim() === '' ? t.common.required : null;

  function changePayee(update: () => void) {
    update();
    setMismatchAcknowledged(false);
    setShowAcknowledgeError(false);
  }

  function submit(event: FormEvent) {
    return entry.submit(event, () => {
      if (name.trim() === '' || !isValidIban(iban)) return null;
      return (async () => {
        const answer = await payeeCheck.checkNow();
        if (answer?.check.result === 'no_match' && !mismatchAcknowledged) {
          setShowAcknowledgeError(true);
          form.current?.querySelector<HTMLInputElement>('input[name="payeeMismatchAcknowledged"]')?.focus();
          return null;
        }
        return api.call('createBeneficiary', { body: { name: name.trim(), iban: normalizeIban(iban) } });
      })();
    });
  }

  function startAnother() {
    entry.startAnother();
    setName('');
    setIban('');
    setMismatchAcknowledged(false);
    setShowAcknowledgeError(false);
  }

  return (
    <OperationEntry title={t.beneficiary.title} operation={entry.operation} anotherLabel={t.beneficiary.another} onAnother={startAnother}>
      <form ref={form} className="card form" onSubmit={submit} noValidate>
        <p className="lead">{t.beneficiary.intro}</p>
        <Field label={t.beneficiary.name} error={nameError}>
          {(props) => (
            <input
              {...props}
              aria-describedby={[props['aria-describedby'], checkId].filter(Boolean).join(' ')}
              name="name"
              value={name}
              onChange={(event) => changePayee(() => setName(event.target.value))}
              onBlur={() => void payeeCheck.checkNow()}
              autoComplete="off"
              required
              maxLength={70}
            />
          )}
        </Field>
        <IbanField label={t.beneficiary.iban} value={iban} onChange={(value) => changePayee(() => setIban(value))} showErrors={entry.submitted} onBlur={() => void payeeCheck.checkNow()} />
        <PayeeCheckMessage
          state={payeeCheck.state}
          id={checkId}
          acknowledged={mismatchAcknowledged}
          onAcknowledge={(value) => {
            setMismatchAcknowledged(value);
            if (value) setShowAcknowledgeError(false);
          }}
          onUseRegisteredName={(registered) => changePayee(() => setName(registered))}
          showAcknowledgeError={showAcknowledgeError}
        />
        <ErrorAlert error={entry.error} />
        <div className="actions">
          <button type="submit" className="button-primary" disabled={entry.busy}>
            {entry.busy ? t.transfer.submitting : t.beneficiary.submit}
          </button>
        </div>
        <p className="hint">{t.beneficiary.submitHint}</p>
      </form>
    </OperationEntry>
  );
}
