import { useState, type FormEvent } from 'react';
import type { OperationViewT } from '../../../../protocol/schemas';
import { isValidIban, normalizeIban } from '../../../../protocol/iban';
import { api } from '../api/client';
import { IbanField } from '../components/IbanField';
import { OperationTracker } from '../components/OperationTracker';
import { ErrorAlert, Field, PageTitle } from '../components/ui';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';

export function BeneficiaryPage() {
  const { t } = useI18n();
  const [name, setName] = useState('');
  const [iban, setIban] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [operation, setOperation] = useState<OperationViewT | null>(null);
  const nameError = submitted && name.trim() === '' ? t.common.required : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    setError(null);
    if (name.trim() === '' || !isValidIban(iban)) return;
    setBusy(true);
    try {
      const created = await api.call('createBeneficiary', { body: { name: name.trim(), iban: normalizeIban(iban) } });
      setOperation(created.operation);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  function startAnother() {
    setOperation(null);
    setName('');
    setIban('');
    setSubmitted(false);
  }

  return (
    <div className="page">
      <PageTitle title={t.beneficiary.title}>{t.beneficiary.title}</PageTitle>
      {operation ? (
        <>
          <OperationTracker key={operation.id} initial={operation} />
          <div className="actions">
            <button type="button" className="button-secondary" onClick={startAnother}>
              {t.beneficiary.another}
            </button>
            <Link to={PATHS.home} className="button-link button-secondary">
              {t.tracker.backHome}
            </Link>
          </div>
        </>
      ) : (
        <form className="card form" onSubmit={submit} noValidate>
          <p className="lead">{t.beneficiary.intro}</p>
          <Field label={t.beneficiary.name} error={nameError}>
            {(props) => <input {...props} name="name" value={name} onChange={(event) => setName(event.target.value)} autoComplete="off" required maxLength={70} />}
          </Field>
          <IbanField label={t.beneficiary.iban} value={iban} onChange={setIban} showErrors={submitted} />
          <ErrorAlert error={error} />
          <div className="actions">
            <button type="submit" className="button-primary" disabled={busy}>
              {t.beneficiary.submit}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
