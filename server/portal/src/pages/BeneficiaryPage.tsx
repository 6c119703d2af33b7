import { useRef, type FormEvent } from 'react';
import { api } from '../api/client';
import { OperationEntry, useOperationEntry } from '../components/OperationEntry';
import { PayeeFields, usePayeeEntry } from '../components/PayeeFields';
import { ErrorAlert } from '../components/ui';
import { useI18n } from '../i18n/I18nProvider';

export function BeneficiaryPage() {
  const { t } = useI18n();
  const payee = usePayeeEntry();
  const form = useRef<HTMLFormElement>(null);
  const entry = useOperationEntry();

  function submit(event: FormEvent) {
    return entry.submit(event, () => {
      if (!payee.complete) return null;
      return (async () => {
        if (!(await payee.confirm(form))) return null;
        return api.call('createBeneficiary', { body: payee.payee() });
      })();
    });
  }

  function startAnother() {
    entry.startAnother();
    payee.reset();
  }

  return (
    <OperationEntry title={t.beneficiary.title} operation={entry.operation} anotherLabel={t.beneficiary.another} onAnother={startAnother}>
      <form ref={form} className="card form" onSubmit={submit} noValidate>
        <p className="lead">{t.beneficiary.intro}</p>
        <PayeeFields entry={payee} nameLabel={t.beneficiary.name} nameField="name" ibanLabel={t.beneficiary.iban} submitted={entry.submitted} />
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
