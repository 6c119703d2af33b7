import { Icon, ScreenTitle } from '../components/common';
import { useI18n } from '../i18n';
import { useApp } from '../state';

/** Screen 6: confirmation, and the advice to activate a second device (how many are left out of 5). */
export function Activated({ accountId }: { accountId: string }) {
  const { snapshot, navigate } = useApp();
  const { t } = useI18n();
  const account = snapshot.accounts.find((candidate) => candidate.id === accountId);
  if (!account) return null;
  const remaining = Math.max(0, account.maxDevices - account.activeDevices);
  const isAdministrator = account.role !== 'user';

  return (
    <div className="stack outcome">
      <div className="hero hero-success">
        <Icon name="shield" size={48} />
      </div>
      <ScreenTitle>{t.activated.title}</ScreenTitle>
      <p className="lead">{t.activated.body}</p>
      <dl className="facts">
        <div>
          <dt>{t.accounts.holder}</dt>
          <dd>{account.displayName} · {account.companyName}</dd>
        </div>
        <div>
          <dt>{t.accounts.device}</dt>
          <dd>{account.deviceName}</dd>
        </div>
      </dl>
      <section className="card" aria-labelledby="second-device">
        <h2 id="second-device">{t.activated.adviceTitle}</h2>
        <p>{t.activated.advice}</p>
        <p className="strong">{t.activated.remaining(remaining, account.activeDevices, account.maxDevices)}</p>
        <p className="muted">{isAdministrator ? t.activated.adminHint : t.activated.userHint}</p>
      </section>
      <div className="actions">
        <button type="button" className="button-primary" onClick={() => navigate({ screen: 'inbox' })}>{t.activated.done}</button>
      </div>
    </div>
  );
}
