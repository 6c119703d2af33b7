import type { OperationViewT, PayeeCheckT, ValidationStatusT } from '../../../../protocol/schemas';
import { formatIban } from '../../../../protocol/iban';
import { useI18n } from '../i18n/I18nProvider';
import { StatusBadge } from './ui';

const STATUS_TONE: Record<ValidationStatusT, 'pending' | 'success' | 'danger' | 'neutral'> = {
  pending: 'pending',
  approved: 'success',
  rejected: 'danger',
  expired: 'neutral',
};

export function OperationStatus({ status }: { status: ValidationStatusT }) {
  const { t } = useI18n();
  return <StatusBadge tone={STATUS_TONE[status]}>{t.operations.status[status]}</StatusBadge>;
}

/** One line saying what the operation is: "12 345,67 € à Dupont SA" or the beneficiary's name and IBAN. */
export function OperationLine({ operation }: { operation: OperationViewT }) {
  const { t, format } = useI18n();
  const details = operation.details;
  if (details.type === 'transfer') {
    return (
      <span>
        <strong className="amount">{format.amount(details.amount, details.currency)}</strong> <span className="isolate">{t.operations.transferTo(details.payeeName)}</span>
        <span className="iban-small">{formatIban(details.iban)}</span>
      </span>
    );
  }
  return (
    <span>
      <strong><bdi>{details.name}</bdi></strong>
      <span className="iban-small">{formatIban(details.iban)}</span>
    </span>
  );
}

/** What the payee's bank said of the name, as recorded with the operation. */
export function PayeeCheckSummary({ check }: { check: PayeeCheckT }) {
  const { t } = useI18n();
  return (
    <span className={`payee-check payee-check-${check.result}`}>
      {t.payeeCheck.recorded[check.result]}
      {check.result === 'close_match' && check.registeredName ? ` ${t.payeeCheck.registeredAs(check.registeredName)}` : ''}
    </span>
  );
}

/** The full details the person approving sees and signs in Secure Access, in the same words. */
export function OperationDetails({ operation }: { operation: OperationViewT }) {
  const { t, format } = useI18n();
  const details = operation.details;
  return (
    <dl className="details">
      {details.type === 'transfer' && (
        <>
          <dt>{t.tracker.amount}</dt>
          <dd className="amount">{format.amount(details.amount, details.currency)}</dd>
          <dt>{t.tracker.debitAccount}</dt>
          <dd>
            {details.debitAccountName}
            <span className="iban-small">{formatIban(details.debitAccountIban)}</span>
          </dd>
        </>
      )}
      <dt>{t.tracker.payee}</dt>
      <dd>
        <bdi>{details.type === 'transfer' ? details.payeeName : details.name}</bdi>
        <PayeeCheckSummary check={details.payeeCheck} />
      </dd>
      <dt>{t.tracker.iban}</dt>
      <dd className="iban">{formatIban(details.iban)}</dd>
      <dt>{t.tracker.country}</dt>
      <dd>{format.country(details.payeeCountry)}</dd>
      {details.type === 'transfer' && (
        <>
          <dt>{t.tracker.reference}</dt>
          <dd>{details.reference || t.tracker.none}</dd>
          <dt>{t.tracker.executionDate}</dt>
          <dd>{format.day(details.executionDate)}</dd>
        </>
      )}
      <dt>{t.tracker.enteredBy}</dt>
      <dd>{details.initiatorDisplayName}</dd>
      <dt>{t.tracker.approver}</dt>
      <dd>{details.userDisplayName}</dd>
    </dl>
  );
}
