import { LaptopIcon } from '../components/icons';
import { PageTitle } from '../components/ui';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';

/** "Secure Access pour PC/Mac": what to download and what comes next (linked from the installation step). */
export function DownloadPage() {
  const { t } = useI18n();
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
        <ul>
          {t.download.packages.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
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
