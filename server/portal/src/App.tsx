import type { SessionViewT } from '../../../protocol/schemas';
import { IdleGuard } from './components/IdleGuard';
import { Layout } from './components/Layout';
import { Spinner } from './components/ui';
import { DemoModeProvider, useDemoMode } from './demo';
import { I18nProvider, useI18n } from './i18n/I18nProvider';
import { ActivationPage } from './pages/admin/ActivationPage';
import { DevicesPage } from './pages/admin/DevicesPage';
import { UsersPage } from './pages/admin/UsersPage';
import { BeneficiaryPage } from './pages/BeneficiaryPage';
import { ChangeSecretPage } from './pages/ChangeSecretPage';
import { DownloadPage } from './pages/DownloadPage';
import { HomePage } from './pages/HomePage';
import { InstallPage } from './pages/InstallPage';
import { LoginPage } from './pages/LoginPage';
import { MySecurityPage } from './pages/MySecurityPage';
import { OutboxPage } from './pages/OutboxPage';
import { SecureAccessPage } from './pages/SecureAccessPage';
import { SecurityCodePage } from './pages/SecurityCodePage';
import { TransferPage } from './pages/TransferPage';
import { AdminOnlyPage, NotFoundPage } from './pages/Simple';
import { PATHS, usePath } from './router';
import { isAdministrator, SessionProvider, useSession } from './session';

export function App() {
  return (
    <I18nProvider>
      <DemoModeProvider>
        <SessionProvider>
          <Layout>
            <Page />
          </Layout>
          <Idle />
        </SessionProvider>
      </DemoModeProvider>
    </I18nProvider>
  );
}

function Idle() {
  const { state } = useSession();
  if (state.status !== 'active') return null;
  return <IdleGuard timeoutSeconds={state.session.idleTimeoutSeconds} />;
}

/** Which page a path shows: public pages first, then the session's step, then the authenticated pages. */
function Page() {
  const { t } = useI18n();
  const path = usePath();
  const demo = useDemoMode();
  const { state } = useSession();

  if (path === PATHS.download) return <DownloadPage />;
  if (path === PATHS.outbox && demo) return <OutboxPage />;
  if (state.status === 'loading') return <Spinner label={t.common.loading} />;
  if (state.status === 'anonymous') return <LoginPage key={state.notice ?? 'fresh'} notice={state.notice} initialError={state.error} />;
  return <SessionPage session={state.session} path={path} />;
}

function SessionPage({ session, path }: { session: SessionViewT; path: string }) {
  switch (session.step) {
    case 'security_code':
      return <SecurityCodePage session={session} />;
    case 'change_secret':
      return <ChangeSecretPage session={session} />;
    case 'install':
      return <InstallPage session={session} />;
    case 'secure_access':
      return <SecureAccessPage session={session} />;
    case 'authenticated':
      break;
  }
  switch (path) {
    case PATHS.home:
      return <HomePage />;
    case PATHS.transfer:
      return <TransferPage />;
    case PATHS.beneficiary:
      return <BeneficiaryPage />;
    case PATHS.mySecurity:
      return <MySecurityPage />;
    case PATHS.users:
    case PATHS.activation:
    case PATHS.devices:
      if (!isAdministrator(session)) return <AdminOnlyPage />;
      return path === PATHS.users ? <UsersPage /> : path === PATHS.activation ? <ActivationPage /> : <DevicesPage />;
    default:
      return <NotFoundPage />;
  }
}
