import { Alert, PageTitle } from '../components/ui';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS } from '../router';

export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <div className="narrow-page">
      <PageTitle title={t.notFound.title}>{t.notFound.title}</PageTitle>
      <p>{t.notFound.body}</p>
      <p>
        <Link to={PATHS.home}>{t.notFound.home}</Link>
      </p>
    </div>
  );
}

export function AdminOnlyPage() {
  const { t } = useI18n();
  return (
    <div className="page">
      <PageTitle title={t.adminOnly.title}>{t.adminOnly.title}</PageTitle>
      <Alert tone="info" live={false}>
        <p>{t.adminOnly.body}</p>
      </Alert>
      <p>
        <Link to={PATHS.home}>{t.notFound.home}</Link>
      </p>
    </div>
  );
}
