import { useEffect, useRef, useState } from 'react';
import type { AccountSummary } from '../../preload/contract';
import { ErrorAlert, Icon, ScreenTitle, Spinner } from '../components/common';
import { useAction } from '../hooks';
import { useI18n } from '../i18n';
import { useApp } from '../state';
import { reactivationRoute } from './approval-code';

/** Screen 9: every account on this installation; add one (shared computer); remove one, which deletes its key. */
export function Accounts() {
  const { snapshot, navigate } = useApp();
  const { t } = useI18n();
  return (
    <div className="stack">
      <ScreenTitle>{t.accounts.title}</ScreenTitle>
      <p className="muted">{t.accounts.intro}</p>
      {snapshot.accounts.length === 0 ? <p>{t.accounts.none}</p> : null}
      <ul className="account-list">
        {snapshot.accounts.map((account) => (
          <li key={account.id}>
            <AccountCard account={account} />
          </li>
        ))}
      </ul>
      <div className="actions">
        <button type="button" className="button-secondary" onClick={() => navigate({ screen: 'welcome', adding: true })}>
          + {t.accounts.add}
        </button>
      </div>
    </div>
  );
}

function AccountCard({ account }: { account: AccountSummary }) {
  const { navigate, removeAccountLocally, announce } = useApp();
  const { t } = useI18n();
  const [confirming, setConfirming] = useState(false);
  const removeButton = useRef<HTMLButtonElement>(null);
  const confirmTitle = useRef<HTMLHeadingElement>(null);
  const titleId = `account-${account.id}`;
  const remove = useAction(async () => {
    await window.secureAccess.removeAccount({ accountId: account.id });
    return true;
  });

  useEffect(() => {
    if (confirming) confirmTitle.current?.focus();
  }, [confirming]);

  const cancel = () => {
    setConfirming(false);
    // Back where the person was, so the keyboard does not jump to the top of the page.
    setTimeout(() => removeButton.current?.focus(), 0);
  };

  const confirm = async () => {
    if (!(await remove.execute())) return;
    announce(t.accounts.removed(account.displayName));
    removeAccountLocally(account.id);
  };

  return (
    <article className="card account-card" aria-labelledby={titleId}>
      <div className="account-head">
        <h2 id={titleId}>{account.displayName}</h2>
        <span className={`status status-${account.status}`}>{t.accounts.statuses[account.status]}</span>
      </div>
      <dl className="facts facts-compact">
        <div>
          <dt>{t.accounts.holder}</dt>
          <dd>{account.identifier} · {t.roles[account.role]}</dd>
        </div>
        <div>
          <dt>{t.accounts.company}</dt>
          <dd>{account.companyName}</dd>
        </div>
        <div>
          <dt>{t.accounts.device}</dt>
          <dd>{account.deviceName}</dd>
        </div>
        {account.status === 'active' ? (
          <div>
            <dt>{t.accounts.devices}</dt>
            <dd>{t.accounts.devicesCount(account.activeDevices, account.maxDevices)}</dd>
          </div>
        ) : null}
        {account.status === 'active' ? (
          <div>
            <dt>{t.approvalCode.accountFact}</dt>
            <dd>{account.approvalCodeSet ? t.approvalCode.accountSet : t.approvalCode.accountMissing}</dd>
          </div>
        ) : null}
        <div>
          <dt>{t.accounts.server}</dt>
          <dd className="mono">{account.serverUrl}</dd>
        </div>
      </dl>
      {confirming ? (
        <section className="confirm confirm-reject" aria-labelledby={`${titleId}-confirm`} onKeyDown={(event) => event.key === 'Escape' && !remove.pending && cancel()}>
          <h3 id={`${titleId}-confirm`} ref={confirmTitle} tabIndex={-1}>{t.accounts.removeTitle(account.displayName)}</h3>
          <p>{t.accounts.removeBody}</p>
          <ErrorAlert error={remove.error} />
          <div className="actions">
            <button type="button" className="button-reject-solid" onClick={() => void confirm()} disabled={remove.pending}>
              {remove.pending ? (
                <>
                  <Spinner /> {t.accounts.removing}
                </>
              ) : t.accounts.removeConfirm}
            </button>
            <button type="button" className="button-secondary" onClick={cancel} disabled={remove.pending}>{t.cancel}</button>
          </div>
        </section>
      ) : (
        <div className="actions">
          {account.status === 'activating' ? (
            <button type="button" className="button-primary" onClick={() => navigate({ screen: 'activation', accountId: account.id })}>{t.accounts.resume}</button>
          ) : null}
          {account.status === 'active' ? (
            <button
              type="button"
              className={account.approvalCodeSet ? 'button-secondary' : 'button-primary'}
              aria-describedby={titleId}
              onClick={() => navigate({ screen: 'approvalCode', accountId: account.id, mode: account.approvalCodeSet ? 'change' : 'set', then: { screen: 'accounts' } })}
            >
              {account.approvalCodeSet ? t.approvalCode.change : t.approvalCode.choose}
            </button>
          ) : null}
          {account.status === 'locked' ? (
            <button
              type="button"
              className="button-primary"
              aria-describedby={titleId}
              onClick={() => navigate(reactivationRoute(account))}
            >
              {t.approvalCode.reactivate}
            </button>
          ) : null}
          <button type="button" ref={removeButton} className="button-reject" onClick={() => setConfirming(true)} aria-describedby={titleId}>
            <Icon name="cross" size={18} /> {t.accounts.remove}
          </button>
        </div>
      )}
    </article>
  );
}
