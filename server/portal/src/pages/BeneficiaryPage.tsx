import { useState, type FormEvent } from 'react';
import { isValidIban, normalizeIban } from '../../../../protocol/iban';
import { api } from '../api/client';
import { IbanField } from '../components/IbanField';
import { OperationEntry, useOperationEntry } from '../components/OperationEntry';
import { ErrorAlert, Field } from '../components/ui';
import { useI18n } from '../i18n/I18nProvider';

export function BeneficiaryPage() {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [iban, setIban] = useState('');
  const entry = useOperationEntry();
  const nameError = entry.submitted && name.trim() === '' ? t.common.required : null;

  function submit(event: FormEvent) {
    return entry.submit(event, () =>
      name.trim() === '' || !isValidIban(iban) ? null : api.call('createBeneficiary', { body: { name: name.trim(), iban: normalizeIban(iban) } }),
    );
  }

  function startAnother() {
    entry.startAnother();
    setName('');
    setIban('');
  }

  return (
    <OperationEntry title={t.beneficiary.title} operation={entry.operation} anotherLabel={t.beneficiary.another} onAnother={startAnother}>
      <form className="card form" onSubmit={submit} noValidate>
        <p className="lead">{t.beneficiary.intro}</p>
        <Field label={t.beneficiary.name} error={nameError}>
          {(props) => <input {...props} name="name" value={name} onChange={(event) => setName(event.target.value)} autoComplete="off" required maxLength={70} />}
        </Field>
        <IbanField label={t.beneficiary.iban} value={iban} onChange={setIban} showErrors={entry.submitted} />
        <ErrorAlert error={entry.error} />
        <div className="actions">
          <button type="submit" className="button-primary" disabled={entry.busy}>
            {t.beneficiary.submit}
          </button>
        </div>
      </form>
    </OperationEntry>
  );
}
