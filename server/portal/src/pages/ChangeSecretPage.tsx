import type { SessionViewT } from '../../../../protocol/schemas';
import { ChangeSecretForm } from '../components/ChangeSecretForm';
import { StepIndicator } from '../components/StepIndicator';
import { PageTitle } from '../components/ui';
import { useI18n } from '../i18n/I18nProvider';
import { useSession } from '../session';

export function ChangeSecretPage({ session }: { session: SessionViewT }) {
  const { t } = useI18n();
  const { apply } = useSession();
  return (
    <div className="narrow-page">
      <StepIndicator session={session} />
      <PageTitle title={t.changeSecret.title}>{t.changeSecret.title}</PageTitle>
      <p className="lead">{t.changeSecret.intro}</p>
      <div className="card">
        <ChangeSecretForm temporary onChanged={apply} />
      </div>
    </div>
  );
}
