import { useEffect } from 'react';
import { formatIban } from '../../../../protocol/iban';
import { api } from '../api/client';
import { waitForDecision } from '../api/waitForDecision';
import { OperationLine, OperationStatus } from '../components/operations';
import { Alert, Loaded, PageTitle, ResponsiveTable } from '../components/ui';
import { useLoad } from '../hooks/useLoad';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';
import { useActiveSession } from '../session';

/** Other users of the company can enter operations: the list is re-read now and then as well. */
const OPERATIONS_REFRESH_MS = 30_000;

export function HomePage() {
  const { t, format } = useI18n();
  const session = useActiveSession();
  const accounts = useLoad((signal) => api.call('accounts', { signal }));
  const operations = useLoad((signal) => api.call('operations', { signal }), { everyMs: OPERATIONS_REFRESH_MS });

  const list = operations.state.status === 'ready' ? operations.state.data.operations : [];
  const pending = list.filter((operation) => operation.status === 'pending');
  // Follow the pending operation that will be decided or expire first; any change re-reads the whole list.
  const nextToSettle = [...pending].sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt))[0]?.id ?? null;
  const reloadOperations = operations.reload;
  useEffect(() => {
    if (!nextToSettle) return;
    const controller = new AbortController();
    waitForDecision(nextToSettle, controller.signal).then(
      () => void reloadOperations(),
      () => undefined,
    );
    return () => controller.abort();
  }, [nextToSettle, reloadOperations]);

  return (
    <div className="page">
      <PageTitle title={t.home.title}>{t.home.welcome(session.holder.displayName)}</PageTitle>
      {session.activeDevices < 2 && <Alert tone="info">{t.home.secondDevice(session.activeDevices, session.maxDevices)}</Alert>}

      <section aria-labelledby="accounts-title">
        <h2 id="accounts-title">{t.home.accountsTitle}</h2>
        <Loaded load={accounts.state} retry={() => void accounts.reload()}>
          {({ accounts: items }) =>
            items.length === 0 ? (
              <p>{t.home.noAccounts}</p>
            ) : (
              <ul className="accounts">
                {items.map((account) => (
                  <li key={account.id} className="card account">
                    <p className="account-name">{account.name}</p>
                    <p className="iban">{formatIban(account.iban)}</p>
                    <p className="account-balance">
                      <span className="visually-hidden">{t.home.balance} </span>
                      {format.amount(account.balance, account.currency)}
                    </p>
                  </li>
                ))}
              </ul>
            )
          }
        </Loaded>
      </section>

      <section aria-labelledby="operations-title">
        <div className="section-head">
          <h2 id="operations-title">{t.home.operationsTitle}</h2>
          <div className="actions actions-inline">
            <Link to={PATHS.transfer} className="button-link button-primary">
              {t.home.newTransfer}
            </Link>
            <Link to={PATHS.beneficiary} className="button-link button-secondary">
              {t.home.newBeneficiary}
            </Link>
          </div>
        </div>
        <p className="visually-hidden" role="status">
          {pending.length > 0 ? t.home.pendingCount(pending.length) : ''}
        </p>
        <Loaded load={operations.state} retry={() => void operations.reload()}>
          {({ operations: items }) =>
            items.length === 0 ? (
              <p className="card card-muted">{t.home.noOperations}</p>
            ) : (
              <>
                {pending.length > 0 && (
                  <p className="pending-note" aria-hidden="true">
                    {t.home.pendingCount(pending.length)}
                  </p>
                )}
                <ResponsiveTable caption={t.home.operationsTitle} columns={[t.home.date, t.home.operation, t.home.detail, t.home.createdBy, t.home.status]}>
                  {items.map((operation) => (
                    <tr key={operation.id} data-operation-id={operation.id}>
                      <td data-label={t.home.date} className="nowrap">
                        {format.shortDateTime(operation.createdAt)}
                      </td>
                      <td data-label={t.home.operation}>{t.operations.kind[operation.kind]}</td>
                      <td data-label={t.home.detail}>
                        <OperationLine operation={operation} />
                      </td>
                      <td data-label={t.home.createdBy}>{operation.details.initiatorDisplayName}</td>
                      <td data-label={t.home.status}>
                        <OperationStatus status={operation.status} />
                      </td>
                    </tr>
                  ))}
                </ResponsiveTable>
              </>
            )
          }
        </Loaded>
      </section>
    </div>
  );
}
