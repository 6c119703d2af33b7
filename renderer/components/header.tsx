import type { Language } from '../../preload/contract';
import { formatDuration, secondsUntil } from '../format';
import { useCheckNow, useNow } from '../hooks';
import { useI18n } from '../i18n';
import { useApp, type Route } from '../state';
import { Icon } from './common';

type Tab = 'inbox' | 'accounts' | 'settings';

function tabOf(route: Route): Tab | null {
  switch (route.screen) {
    case 'inbox':
    case 'validation':
      return 'inbox';
    case 'accounts':
      return 'accounts';
    case 'settings':
      return 'settings';
    default:
      return null;
  }
}

export function Header({ route }: { route: Route }) {
  const { snapshot, navigate } = useApp();
  const { t, language } = useI18n();
  const current = tabOf(route);
  // Until one account is active there is nothing to approve: the onboarding stays uncluttered. (An account whose
  // approvals are locked was active: its person needs the accounts and the way back.)
  const firstRun = !snapshot.accounts.some((account) => account.status === 'active' || account.status === 'locked');
  const pendingCount = snapshot.pending.length;

  return (
    <header className="app-header">
      <div className="app-header-bar">
        <p className="brand">
          <Icon name="shield" size={22} />
          <span>{t.appName}</span>
        </p>
        {firstRun ? (
          <LanguageSwitch language={language} />
        ) : (
          <nav aria-label={t.nav.label} className="tabs">
            {(['inbox', 'accounts', 'settings'] as const).map((tab) => (
              <button
                key={tab}
                type="button"
                className="tab"
                aria-current={current === tab ? 'page' : undefined}
                onClick={() => navigate({ screen: tab })}
              >
                {t.nav[tab]}
                {tab === 'inbox' && pendingCount > 0 ? (
                  <span className="badge">
                    <span aria-hidden="true">{pendingCount}</span>
                    <span className="visually-hidden">{`, ${t.nav.pendingCount(pendingCount)}`}</span>
                  </span>
                ) : null}
              </button>
            ))}
          </nav>
        )}
      </div>
      {firstRun ? null : <ConnectivityBanner />}
    </header>
  );
}

function LanguageSwitch({ language }: { language: Language }) {
  const { applySettings } = useApp();
  const other: Language = language === 'fr' ? 'en' : 'fr';
  const label = other === 'en' ? 'English' : 'Français';
  const switchLanguage = () => window.secureAccess.updateSettings({ language: other }).then(applySettings, () => undefined);
  return (
    <button type="button" className="button-link language-switch" lang={other} onClick={() => void switchLanguage()}>
      {label}
    </button>
  );
}

/** Shown only when something is wrong: the calm state is silence. */
export function ConnectivityBanner() {
  const { snapshot } = useApp();
  const { t } = useI18n();
  const { checkNow, checking } = useCheckNow();
  const now = useNow();
  const hasActive = snapshot.accounts.some((account) => account.status === 'active');
  const { overall, accounts } = snapshot.connectivity;
  if (!hasActive || (overall !== 'offline' && overall !== 'server_error')) return null;

  const nextRetry = accounts.map((account) => account.nextRetryAt).filter((at): at is string => at !== null).sort()[0];
  return (
    <div className="connectivity" role="status">
      <Icon name="warning" size={18} />
      <p>
        {t.connectivity[overall]}
        {nextRetry && secondsUntil(nextRetry, now) > 0 ? ` ${t.connectivity.nextRetry(formatDuration(secondsUntil(nextRetry, now)))}` : ''}
      </p>
      <button type="button" className="button-small" onClick={() => void checkNow()} disabled={checking}>
        {checking ? t.connectivity.checking : t.connectivity.checkNow}
      </button>
    </div>
  );
}
