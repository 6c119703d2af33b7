import type { PendingValidation } from '../../preload/contract';
import { Icon, ScreenTitle, Spinner, TimeLeft } from '../components/common';
import { formatAmount, secondsUntil } from '../format';
import { useCheckNow, useNow } from '../hooks';
import { useI18n, type I18n } from '../i18n';
import { useApp } from '../state';
import { ApprovalCodeBanners } from './approval-code';

/** Screen 7: what waits for a decision, across every account on this computer. */
export function Inbox() {
  const { snapshot, navigate } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const now = useNow();
  const { checkNow, checking } = useCheckNow();
  const hasActive = snapshot.accounts.some((account) => account.status === 'active');
  const activating = snapshot.accounts.find((account) => account.status === 'activating');
  const disconnected = snapshot.connectivity.overall === 'offline' || snapshot.connectivity.overall === 'server_error';
  // An expired request cannot be decided any more: it leaves the list at once, before the core drops it.
  const pending = snapshot.pending
    .filter((validation) => secondsUntil(validation.expiresAt, now) > 0)
    .sort((a, b) => Date.parse(a.expiresAt) - Date.parse(b.expiresAt));
  // One group per person with an active account here, in the order of the accounts; the most urgent first within.
  const activeAccounts = snapshot.accounts.filter((account) => account.status === 'active');
  const groups = activeAccounts
    .map((account) => ({
      accountId: account.id,
      label: `${account.displayName} · ${account.companyName}`,
      validations: pending.filter((validation) => validation.accountId === account.id),
    }))
    .filter((group) => group.validations.length > 0);

  if (!hasActive) {
    return (
      <div className="stack">
        <ScreenTitle>{t.inbox.title}</ScreenTitle>
        <ApprovalCodeBanners />
        <div className="empty">
          <Icon name="shield" size={40} />
          <h2>{t.inbox.noAccountTitle}</h2>
          <p>{t.inbox.noAccountBody}</p>
          {activating ? (
            <button type="button" className="button-primary" onClick={() => navigate({ screen: 'activation', accountId: activating.id })}>{t.inbox.resume}</button>
          ) : (
            <button type="button" className="button-primary" onClick={() => navigate({ screen: 'welcome', adding: snapshot.accounts.length > 0 })}>{t.inbox.activate}</button>
          )}
        </div>
      </div>
    );
  }

  return (
    <div className="stack">
      <div className="title-row">
        <ScreenTitle>{t.inbox.title}</ScreenTitle>
        {/* When the bank cannot be reached, the banner above has this button. */}
        {disconnected ? null : (
          <button type="button" className="button-small" onClick={() => void checkNow()} disabled={checking} aria-busy={checking}>
            {checking ? <Spinner /> : null}
            {checking ? t.connectivity.checking : t.connectivity.checkNow}
          </button>
        )}
      </div>
      <ApprovalCodeBanners />
      {pending.length === 0 && disconnected ? (
        <div className="empty" role="status">
          <Icon name="inbox" size={40} />
          <h2>{t.inbox.emptyOfflineTitle}</h2>
          <p>{t.inbox.emptyOfflineBody}</p>
        </div>
      ) : pending.length === 0 ? (
        <div className="empty" role="status">
          <span className="empty-mark"><Icon name="check" size={32} /></span>
          <h2>{t.inbox.emptyTitle}</h2>
          <p>{t.inbox.emptyBody}</p>
        </div>
      ) : activeAccounts.length > 1 ? (
        // A shared computer: each person's requests under their name, so nobody opens someone else's by mistake.
        groups.map((group) => (
          <section key={group.accountId} className="inbox-group" aria-labelledby={`inbox-group-${group.accountId}`}>
            <h2 id={`inbox-group-${group.accountId}`} className="inbox-group-title">
              <Icon name="user" size={18} /> {group.label}
              <span className="inbox-group-count">{t.nav.pendingCount(group.validations.length)}</span>
            </h2>
            <InboxList validations={group.validations} label={t.inbox.listLabelFor(group.label)} now={now} i18n={i18n} />
          </section>
        ))
      ) : (
        <InboxList validations={pending} label={t.inbox.listLabel} now={now} i18n={i18n} />
      )}
    </div>
  );
}

function InboxList({ validations, label, now, i18n }: { validations: PendingValidation[]; label: string; now: number; i18n: I18n }) {
  const { navigate } = useApp();
  const { t } = i18n;
  return (
    <ul className="inbox" aria-label={label}>
      {validations.map((validation) => (
        <li key={`${validation.accountId}/${validation.id}`}>
          <button
            type="button"
            className="inbox-item"
            onClick={() => navigate({ screen: 'validation', accountId: validation.accountId, validationId: validation.id })}
          >
            <span className="inbox-item-top">
              <span className={`kind kind-${validation.kind}`}>{t.kinds[validation.kind]}</span>
              <TimeLeft expiresAt={validation.expiresAt} now={now} format={t.inbox.timeLeft} />
            </span>
            <ValidationHeadline validation={validation} i18n={i18n} />
          </button>
        </li>
      ))}
    </ul>
  );
}

/** The one line that says what a validation is about: the amount and payee, the new payee, or the login. */
function ValidationHeadline({ validation, i18n }: { validation: PendingValidation; i18n: I18n }) {
  const { details } = validation;
  switch (details.type) {
    case 'transfer':
      return (
        <span className="inbox-item-main">
          <span className="inbox-amount">{formatAmount(details.amount, details.currency, i18n.language)}</span>
          <bdi className="inbox-payee">{details.payeeName}</bdi>
        </span>
      );
    case 'beneficiary':
      return (
        <span className="inbox-item-main">
          <bdi className="inbox-payee">{details.name}</bdi>
        </span>
      );
    case 'login':
      return (
        <span className="inbox-item-main">
          <span className="inbox-payee">{i18n.t.detail.channels[details.channel]}</span>
        </span>
      );
  }
}
