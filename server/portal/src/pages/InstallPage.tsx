import type { MobileAppsT, SessionViewT } from '../../../../protocol/schemas';
import { LaptopIcon, PhoneIcon, ShieldIcon } from '../components/icons';
import { QrCode } from '../components/QrCode';
import { StepIndicator } from '../components/StepIndicator';
import { PageTitle, Spinner } from '../components/ui';
import { useDownloads } from '../hooks/useDownloads';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';

type Store = keyof MobileAppsT['bankApp'];

/** One link per store the bank published, each with its QR code for the phone; or a plain sentence when none is. */
function StoreLinks({ app, links }: { app: string; links: Partial<Record<Store, string | null>> | null }) {
  const { t } = useI18n();
  const published = links ? (Object.entries(links) as [Store, string | null][]).filter((entry): entry is [Store, string] => entry[1] !== null) : [];
  if (links && published.length === 0) return <p className="muted">{t.install.noStoreLinks}</p>;
  return (
    <ul className="store-links">
      {published.map(([store, url]) => (
        <li key={store} className="store-link">
          <QrCode value={url} label={t.install.scanToInstall(t.install.stores[store])} size={112} />
          <a href={url} rel="noopener noreferrer" target="_blank" aria-label={t.install.storeLink(app, t.install.stores[store])}>
            {t.install.stores[store]}
          </a>
        </li>
      ))}
    </ul>
  );
}

/**
 * The mandatory "Installer Secure Access" step. The page waits on the server (the session provider
 * long-polls it): as soon as one of the person's devices is active, the session moves to the next step.
 */
export function InstallPage({ session }: { session: SessionViewT }) {
  const { t } = useI18n();
  const viaSecurityPhone = session.holder.role === 'primary_admin' && session.activeDevices === 0 && session.securityPhoneMasked !== null;
  const downloads = useDownloads();
  const mobileApps = downloads.state.status === 'ready' ? downloads.state.data.mobileApps : null;
  return (
    <div className="page page-centered">
      <StepIndicator session={session} />
      <PageTitle title={t.install.title}>{t.install.title}</PageTitle>
      <p className="lead">{t.install.intro}</p>

      <section className="card" aria-labelledby="install-options">
        <h2 id="install-options">{t.install.optionsTitle}</h2>
        <ul className="options">
          <li className="option">
            <span className="option-icon">
              <PhoneIcon />
            </span>
            <div>
              <h3>{t.install.mobileApp}</h3>
              <p>{t.install.mobileAppBody}</p>
              <StoreLinks app={t.install.mobileApp} links={mobileApps?.bankApp ?? null} />
            </div>
          </li>
          <li className="option">
            <span className="option-icon">
              <ShieldIcon />
            </span>
            <div>
              <h3>{t.install.dedicatedApp}</h3>
              <p>{t.install.dedicatedAppBody}</p>
              <StoreLinks app={t.install.dedicatedApp} links={mobileApps?.secureAccessApp ?? null} />
            </div>
          </li>
          <li className="option option-highlight">
            <span className="option-icon">
              <LaptopIcon />
            </span>
            <div>
              <h3>{t.install.desktopApp}</h3>
              <p>{t.install.desktopAppBody}</p>
              <Link to={PATHS.download} className="button-link button-primary">
                {t.install.download}
              </Link>
            </div>
          </li>
        </ul>
      </section>

      <section className="card" aria-labelledby="install-activate">
        <h2 id="install-activate">{t.install.activateTitle}</h2>
        <ol className="numbered">
          <li>{t.install.activateName}</li>
          <li>{viaSecurityPhone ? t.install.activatePrimary(session.securityPhoneMasked ?? '') : t.install.activateSecondary}</li>
          <li>{t.install.activateEnter}</li>
        </ol>
        <p className="muted">{t.install.oneCodeOneDevice}</p>
      </section>

      <div className="card card-waiting">
        <Spinner label={t.install.waiting} />
        <p className="muted">{t.install.waitingHint}</p>
      </div>
    </div>
  );
}
