import type { OperationViewT, ValidationStatusT } from '../../../../protocol/schemas';
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

/** The full details the person will see and sign in Secure Access. */
export function OperationDetails({ operation }: { operation: OperationViewT }) {
  const { t, format } = useI18n();
  const details = operation.details;
  return (
    <dl className="details">
      {details.type === 'transfer' ? (
        <>
          <dt>{t.tracker.amount}</dt>
          <dd className="amount">{format.amount(details.amount, details.currency)}</dd>
          <dt>{t.tracker.payee}</dt>
          <dd><bdi>{details.payeeName}</bdi></dd>
          <dt>{t.tracker.iban}</dt>
          <dd className="iban">{formatIban(details.iban)}</dd>
          <dt>{t.tracker.reference}</dt>
          <dd>{details.reference ? <bdi>{details.reference}</bdi> : t.tracker.none}</dd>
          <dt>{t.tracker.debitAccount}</dt>
          <dd className="iban">{formatIban(details.debitAccountIban)}</dd>
        </>
      ) : (
        <>
          <dt>{t.tracker.payee}</dt>
          <dd><bdi>{details.name}</bdi></dd>
          <dt>{t.tracker.iban}</dt>
          <dd className="iban">{formatIban(details.iban)}</dd>
        </>
      )}
    </dl>
  );
}
