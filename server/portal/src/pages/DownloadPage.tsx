import type { InstallerViewT } from '../../../../protocol/schemas';
import { LaptopIcon } from '../components/icons';
import { Alert, CopyButton, Loaded, PageTitle } from '../components/ui';
import { useDownloads } from '../hooks/useDownloads';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';

type Platform = InstallerViewT['platform'];

/** The visitor's system, from what the browser says of itself: its installers come first. */
function visitorPlatform(): Platform | null {
  const agent = navigator.userAgent;
  if (/Windows/.test(agent)) return 'windows';
  if (/Macintosh|Mac OS X/.test(agent) && !/iPhone|iPad/.test(agent)) return 'mac';
  if (/Linux|X11/.test(agent) && !/Android/.test(agent)) return 'linux';
  return null;
}

/** "94,2 Mo" / "94.2 MB": binary sizes as people read them. */
function formatSize(bytes: number, language: 'fr' | 'en'): string {
  const units = language === 'fr' ? ['o', 'ko', 'Mo', 'Go'] : ['B', 'kB', 'MB', 'GB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  const number = new Intl.NumberFormat(language === 'fr' ? 'fr-FR' : 'en-GB', { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value);
  return `${number}\u00a0${units[unit]}`;
}

/** "Secure Access pour PC/Mac": the installers this bank publishes, each with what proves it is the right file. */
export function DownloadPage() {
  const { t, language } = useI18n();
  const downloads = useDownloads();
  const mine = visitorPlatform();
  return (
    <div className="narrow-page">
      <PageTitle title={t.download.title}>
        <span className="title-icon">
          <LaptopIcon />
        </span>
        {t.download.title}
      </PageTitle>
      <p className="lead">{t.download.intro}</p>
      <section className="card" aria-labelledby="download-before">
        <h2 id="download-before">{t.download.requirementsTitle}</h2>
        <ul>
          {t.download.requirements.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="download-packages">
        <h2 id="download-packages">{t.download.packagesTitle}</h2>
        <Loaded load={downloads.state} retry={() => void downloads.reload()}>
          {({ installers }) =>
            installers.length === 0 ? (
              <Alert tone="info" title={t.download.none} live={false}>
                <p>{t.download.noneHint}</p>
              </Alert>
            ) : (
              <>
                <ul className="installers">
                  {[...installers]
                    .sort((a, b) => Number(b.platform === mine) - Number(a.platform === mine))
                    .map((installer) => (
                      <li key={installer.fileName} className={installer.platform === mine ? 'installer installer-mine' : 'installer'}>
                        <div className="installer-head">
                          <h3>
                            {t.download.systems[installer.platform]} · {t.download.formats[installer.format]}
                          </h3>
                          {installer.platform === mine && <span className="badge-soft">{t.download.recommended}</span>}
                        </div>
                        <p className="installer-facts">
                          {[installer.version ? t.download.version(installer.version) : null, installer.arch, formatSize(installer.sizeBytes, language)]
                            .filter(Boolean)
                            .join(' · ')}
                        </p>
                        <p className="installer-file">{installer.fileName}</p>
                        <div className="installer-hash">
                          <span className="installer-hash-label">{t.download.sha256}</span>
                          <code>{installer.sha256}</code>
                          <CopyButton value={installer.sha256} label={`${t.common.copy} · ${t.download.sha256}`} />
                        </div>
                        <a
                          className="button-link button-primary"
                          href={installer.url}
                          download={installer.fileName}
                          aria-label={t.download.downloadFile(t.download.formats[installer.format], t.download.systems[installer.platform])}
                        >
                          {t.download.downloadShort}
                        </a>
                      </li>
                    ))}
                </ul>
                <p className="hint">{t.download.verify}</p>
              </>
            )
          }
        </Loaded>
        <p>{t.download.packagesWhere}</p>
      </section>
      <section className="card" aria-labelledby="download-next">
        <h2 id="download-next">{t.download.stepsTitle}</h2>
        <ol className="numbered">
          {t.download.steps.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ol>
      </section>
      <p>
        <Link to={PATHS.home}>{t.download.back}</Link>
      </p>
    </div>
  );
}
