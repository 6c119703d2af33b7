import { useState, type FormEvent } from 'react';
import { Currency, type CreateTransferBodyT, type OperationViewT } from '../../../../protocol/schemas';
import { formatIban, isValidIban, normalizeIban } from '../../../../protocol/iban';
import { api } from '../api/client';
import { IbanField } from '../components/IbanField';
import { OperationTracker } from '../components/OperationTracker';
import { ErrorAlert, Field, PageTitle } from '../components/ui';
import { useLoad } from '../hooks/useLoad';
import { parseAmountInput } from '../i18n/format';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';

const CURRENCIES = Currency.anyOf.map((literal) => literal.const);
type CurrencyCode = CreateTransferBodyT['currency'];

export function TransferPage() {
  const { t, format } = useI18n();
  const accounts = useLoad((signal) => api.call('accounts', { signal }));
  const [debitAccountId, setDebitAccountId] = useState('');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState<CurrencyCode>('EUR');
  const [payeeName, setPayeeName] = useState('');
  const [iban, setIban] = useState('');
  const [reference, setReference] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [operation, setOperation] = useState<OperationViewT | null>(null);

  const accountList = accounts.state.status === 'ready' ? accounts.state.data.accounts : [];
  const selectedAccountId = debitAccountId || accountList[0]?.id || '';
  const parsedAmount = parseAmountInput(amount);
  const amountError = submitted && parsedAmount === null ? t.transfer.amountInvalid : null;
  const payeeError = submitted && payeeName.trim() === '' ? t.common.required : null;

  async function submit(event: FormEvent) {
    event.preventDefault();
    setSubmitted(true);
    setError(null);
    if (parsedAmount === null || payeeName.trim() === '' || !isValidIban(iban)) return;
    setBusy(true);
    try {
      const body: CreateTransferBodyT = {
        amount: parsedAmount,
        currency,
        payeeName: payeeName.trim(),
        iban: normalizeIban(iban),
        reference: reference.trim(),
        ...(selectedAccountId ? { debitAccountId: selectedAccountId } : {}),
      };
      const created = await api.call('createTransfer', { body });
      setOperation(created.operation);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  function startAnother() {
    setOperation(null);
    setAmount('');
    setPayeeName('');
    setIban('');
    setReference('');
    setSubmitted(false);
  }

  return (
    <div className="page">
      <PageTitle title={t.transfer.title}>{t.transfer.title}</PageTitle>
      {operation ? (
        <>
          <OperationTracker key={operation.id} initial={operation} />
          <div className="actions">
            <button type="button" className="button-secondary" onClick={startAnother}>
              {t.transfer.another}
            </button>
            <Link to={PATHS.home} className="button-link button-secondary">
              {t.tracker.backHome}
            </Link>
          </div>
        </>
      ) : (
        <form className="card form" onSubmit={submit} noValidate>
          <p className="lead">{t.transfer.intro}</p>
          {accountList.length > 0 && (
            <Field label={t.transfer.debitAccount}>
              {(props) => (
                <select {...props} name="debitAccountId" value={selectedAccountId} onChange={(event) => setDebitAccountId(event.target.value)}>
                  {accountList.map((account) => (
                    <option key={account.id} value={account.id}>
                      {account.name} · {formatIban(account.iban)} · {format.amount(account.balance, account.currency)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <div className="field-row">
            <Field label={t.transfer.amount} hint={t.transfer.amountHint} error={amountError} className="field-grow">
              {(props) => (
                <input {...props} name="amount" value={amount} onChange={(event) => setAmount(event.target.value)} inputMode="decimal" autoComplete="off" required maxLength={20} />
              )}
            </Field>
            <Field label={t.transfer.currency} className="field-currency">
              {(props) => (
                <select {...props} name="currency" value={currency} onChange={(event) => setCurrency(event.target.value as CurrencyCode)}>
                  {CURRENCIES.map((code) => (
                    <option key={code} value={code}>
                      {code}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          </div>
          <Field label={t.transfer.payeeName} error={payeeError}>
            {(props) => (
              <input {...props} name="payeeName" value={payeeName} onChange={(event) => setPayeeName(event.target.value)} autoComplete="off" required maxLength={70} />
            )}
          </Field>
          <IbanField label={t.transfer.iban} value={iban} onChange={setIban} showErrors={submitted} />
          <Field label={t.transfer.reference} hint={t.transfer.referenceHint} optional>
            {(props) => <input {...props} name="reference" value={reference} onChange={(event) => setReference(event.target.value)} autoComplete="off" maxLength={140} />}
          </Field>
          <ErrorAlert error={error} />
          <div className="actions">
            <button type="submit" className="button-primary" disabled={busy}>
              {busy ? t.transfer.submitting : t.transfer.submit}
            </button>
          </div>
        </form>
      )}
    </div>
  );
}
