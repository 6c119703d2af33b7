import type { OperationViewT } from '../../../../protocol/schemas';
import { useOperationWatch } from '../hooks/useOperationWatch';
import { useServerNow } from '../hooks/useNow';
import { useI18n } from '../i18n/I18nProvider';
import { ShieldIcon } from './icons';
import { OperationDetails } from './operations';
import { Alert, ErrorAlert } from './ui';

/** "En attente de validation sur Secure Access", live, then the result. Key it by operation id. */
export function OperationTracker({ initial }: { initial: OperationViewT }) {
  const { t, format } = useI18n();
  const { operation, error } = useOperationWatch(initial);
  const pending = operation.status === 'pending';
  const now = useServerNow(1_000, pending);
  const remaining = Date.parse(operation.expiresAt) - now;
  const decidedAt = operation.decidedAt ? format.dateTime(operation.decidedAt) : '';
  const { details } = operation;
  const approvedTitle = details.type === 'transfer' ? t.tracker.approvedTransfer : t.tracker.approvedBeneficiary;
  const announcement = {
    pending: t.tracker.waitingTitle,
    approved: approvedTitle,
    rejected: t.tracker.rejectedTitle,
    expired: t.tracker.expiredTitle,
  }[operation.status];

  return (
    <section className="card tracker" aria-labelledby="tracker-title" data-status={operation.status}>
      {pending && (
        <>
          <div className="tracker-head">
            <span className="match-icon pulse">
              <ShieldIcon />
            </span>
            <h2 id="tracker-title">{t.tracker.waitingTitle}</h2>
          </div>
          <p>{t.tracker.waitingBody(details.userDisplayName)}</p>
          <p className="countdown">{t.tracker.timeLeft(format.duration(remaining))}</p>
          <ErrorAlert error={error} />
        </>
      )}
      {operation.status === 'approved' && (
        <>
          <h2 id="tracker-title" className="visually-hidden">
            {t.operations.status.approved}
          </h2>
          <Alert live={false} tone="success" title={approvedTitle}>
            {operation.decidedByDevice && <p>{t.operations.decidedBy(operation.decidedByDevice, decidedAt)}</p>}
            {/* Approved is not executed: the bank executes a transfer on its execution date. */}
            {details.type === 'transfer' && <p>{t.tracker.executionPlanned(format.day(details.executionDate))}</p>}
          </Alert>
        </>
      )}
      {operation.status === 'rejected' && (
        <>
          <h2 id="tracker-title" className="visually-hidden">
            {t.operations.status.rejected}
          </h2>
          <Alert live={false} tone="error" title={t.tracker.rejectedTitle}>
            <p>{t.tracker.rejectedBody}</p>
            {operation.decidedByDevice && <p>{t.operations.rejectedBy(operation.decidedByDevice, decidedAt)}</p>}
          </Alert>
        </>
      )}
      {operation.status === 'expired' && (
        <>
          <h2 id="tracker-title" className="visually-hidden">
            {t.operations.status.expired}
          </h2>
          <Alert live={false} tone="warning" title={t.tracker.expiredTitle}>
            <p>{t.tracker.expiredBody}</p>
          </Alert>
        </>
      )}
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <h3>{t.transfer.summary}</h3>
      <OperationDetails operation={operation} />
    </section>
  );
}
