import { useRef, useState, type FormEvent } from 'react';
import { Currency, type CreateTransferBodyT } from '../../../../protocol/schemas';
import { formatIban } from '../../../../protocol/iban';
import { api } from '../api/client';
import { OperationEntry, useOperationEntry } from '../components/OperationEntry';
import { PayeeFields, usePayeeEntry } from '../components/PayeeFields';
import { ErrorAlert, Field } from '../components/ui';
import { useLoad } from '../hooks/useLoad';
import { localDay, parseAmountInput } from '../i18n/format';
import { useI18n } from '../i18n/I18nProvider';

const CURRENCIES = Currency.anyOf.map((literal) => literal.const);
type CurrencyCode = CreateTransferBodyT['currency'];

/** A year ahead, as the bank allows (server/services/validations.ts). */
function aYearFrom(day: string): string {
  const date = new Date(`${day}T12:00:00Z`);
  date.setUTCDate(date.getUTCDate() + 365);
  return date.toISOString().slice(0, 10);
}

export function TransferPage() {
  const { t, format } = useI18n();
  const accounts = useLoad((signal) => api.call('accounts', { signal }));
  const today = localDay(Date.now());
  const [debitAccountId, setDebitAccountId] = useState('');
  const [amount, setAmount] = useState('');
  const [currency, setCurrency] = useState<CurrencyCode>('EUR');
  const payee = usePayeeEntry();
  const [reference, setReference] = useState('');
  const [executionDate, setExecutionDate] = useState(today);
  const form = useRef<HTMLFormElement>(null);
  const entry = useOperationEntry();

  const accountList = accounts.state.status === 'ready' ? accounts.state.data.accounts : [];
  const selectedAccountId = debitAccountId || accountList[0]?.id || '';
  const parsedAmount = parseAmountInput(amount);
  const amountError = entry.submitted && parsedAmount === null ? t.transfer.amountInvalid : null;
  const dateValid = /^\d{4}-\d{2}-\d{2}$/.test(executionDate) && executionDate >= today && executionDate <= aYearFrom(today);
  const dateError = entry.submitted && !dateValid ? t.transfer.executionDateInvalid : null;

  function submit(event: FormEvent) {
    return entry.submit(event, () => {
      if (parsedAmount === null || !payee.complete || !dateValid) return null;
      const { name: payeeName, iban } = payee.payee();
      const body: CreateTransferBodyT = {
        amount: parsedAmount,
        currency,
        payeeName,
        iban,
        reference: reference.trim(),
        ...(selectedAccountId ? { debitAccountId: selectedAccountId } : {}),
        // Today is the bank's default: only another day is sent.
        ...(executionDate !== today ? { executionDate } : {}),
      };
      return (async () => {
        if (!(await payee.confirm(form))) return null;
        return api.call('createTransfer', { body });
      })();
    });
  }

  function startAnother() {
    entry.startAnother();
    setAmount('');
    payee.reset();
    setReference('');
    setExecutionDate(today);
  }

  return (
    <OperationEntry title={t.transfer.title} operation={entry.operation} anotherLabel={t.transfer.another} onAnother={startAnother}>
      <form ref={form} className="card form" onSubmit={submit} noValidate>
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
        <PayeeFields entry={payee} nameLabel={t.transfer.payeeName} nameField="payeeName" ibanLabel={t.transfer.iban} submitted={entry.submitted} />
        <Field label={t.transfer.reference} hint={t.transfer.referenceHint} optional>
          {(props) => <input {...props} name="reference" value={reference} onChange={(event) => setReference(event.target.value)} autoComplete="off" maxLength={140} />}
        </Field>
        <Field
          label={t.transfer.executionDate}
          hint={dateValid ? t.transfer.executionDateChosen(format.day(executionDate), executionDate === today) : t.transfer.executionDateHint}
          error={dateError}
        >
          {(props) => (
            <input {...props} type="date" name="executionDate" value={executionDate} min={today} max={aYearFrom(today)} onChange={(event) => setExecutionDate(event.target.value)} required />
          )}
        </Field>
        <ErrorAlert error={entry.error} />
        <div className="actions">
          <button type="submit" className="button-primary" disabled={entry.busy}>
            {entry.busy ? t.transfer.submitting : t.transfer.submit}
          </button>
        </div>
        <p className="hint">{t.transfer.submitHint}</p>
      </form>
    </OperationEntry>
  );
}
