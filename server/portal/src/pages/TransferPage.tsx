import { useState, type FormEvent } from 'react';
import { Currency, type CreateTransferBodyT } from '../../../../protocol/schemas';
import { formatIban, isValidIban, normalizeIban } from '../../../../protocol/iban';
import { api } from '../api/client';
import { IbanField } from '../components/IbanField';
import { OperationEntry, useOperationEntry } from '../components/OperationEntry';
import { ErrorAlert, Field } from '../components/ui';
import { useLoad } from '../hooks/useLoad';
import { parseAmountInput } from '../i18n/format';
import { useI18n } from '../i18n/I18nProvider';

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
  const entry = useOperationEntry();

  const accountList = accounts.state.status === 'ready' ? accounts.state.data.accounts : [];
  const selectedAccountId = debitAccountId || accountList[0]?.id || '';
  const parsedAmount = parseAmountInput(amount);
  const amountError = entry.submitted && parsedAmount === null ? t.transfer.amountInvalid : null;
  const payeeError = entry.submitted && payeeName.trim() === '' ? t.common.required : null;

  function submit(event: FormEvent) {
    return entry.submit(event, () => {
      if (parsedAmount === null || payeeName.trim() === '' || !isValidIban(iban)) return null;
      const body: CreateTransferBodyT = {
        amount: parsedAmount,
        currency,
        payeeName: payeeName.trim(),
        iban: normalizeIban(iban),
        reference: reference.trim(),
        ...(selectedAccountId ? { debitAccountId: selectedAccountId } : {}),
      };
      return api.call('createTransfer', { body });
    });
  }

  function startAnother() {
    entry.startAnother();
    setAmount('');
    setPayeeName('');
    setIban('');
    setReference('');
  }

  return (
    <OperationEntry title={t.transfer.title} operation={entry.operation} anotherLabel={t.transfer.another} onAnother={startAnother}>
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
        <IbanField label={t.transfer.iban} value={iban} onChange={setIban} showErrors={entry.submitted} />
        <Field label={t.transfer.reference} hint={t.transfer.referenceHint} optional>
          {(props) => <input {...props} name="reference" value={reference} onChange={(event) => setReference(event.target.value)} autoComplete="off" maxLength={140} />}
        </Field>
        <ErrorAlert error={entry.error} />
        <div className="actions">
          <button type="submit" className="button-primary" disabled={entry.busy}>
            {entry.busy ? t.transfer.submitting : t.transfer.submit}
          </button>
        </div>
      </form>
    </OperationEntry>
  );
}
