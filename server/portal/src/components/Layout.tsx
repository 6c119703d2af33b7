import { useEffect, useState, type ReactNode } from 'react';
import type { SessionViewT } from '../../../../protocol/schemas';
import { useDemoMode } from '../demo';
import { useI18n } from '../i18n/I18nProvider';
import { Link, PATHS, usePath } from '../router';
import { isAdministrator, useSession } from '../session';
import { ShieldIcon } from './icons';

export function Layout({ children }: { children: ReactNode }) {
  const { t, language, setLanguage } = useI18n();
  const { state, logout } = useSession();
  const demo = useDemoMode();
  const session = state.status === 'active' ? state.session : null;
  const authenticated = session?.step === 'authenticated';

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t.app.skipToContent}
      </a>
      <header className="header">
        <div className="header-inner">
          <Link to={PATHS.home} className="brand">
            <span className="brand-mark">
              <ShieldIcon />
            </span>
            <span>
              <span className="brand-name">{t.app.brand}</span>
              <span className="brand-tagline">{t.app.tagline}</span>
            </span>
          </Link>
          <div className="header-tools">
            {session && (
              <p className="holder">
                <span className="holder-name">{t.app.signedInAs(session.holder.displayName, session.holder.companyName)}</span>
                <span className="holder-role">{t.roles[session.holder.role]}</span>
              </p>
            )}
            <button
              type="button"
              className="button-header"
              lang={t.app.otherLanguageCode}
              aria-label={t.app.switchLanguage}
              onClick={() => setLanguage(language === 'fr' ? 'en' : 'fr')}
            >
              {t.app.otherLanguage}
            </button>
            {session && (
              <button type="button" className="button-header" onClick={() => void logout('logged_out')}>
                {t.app.logout}
              </button>
            )}
          </div>
        </div>
      </header>
      <div className={authenticated ? 'body body-with-nav' : 'body'}>
        {authenticated && session && <Navigation session={session} demo={demo} />}
        <main id="main" tabIndex={-1} className="main">
          {children}
        </main>
      </div>
      <footer className="footer">
        <p>{t.app.footer}</p>
        {demo && !authenticated && (
          <p>
            <Link to={PATHS.outbox}>
              {t.nav.outbox} ({t.app.devTool})
            </Link>
          </p>
        )}
      </footer>
    </div>
  );
}

function Navigation({ session, demo }: { session: SessionViewT; demo: boolean }) {
  const { t } = useI18n();
  const path = usePath();
  const [open, setOpen] = useState(false);
  useEffect(() => setOpen(false), [path]);

  const item = (to: string, label: string) => (
    <li>
      <Link to={to} aria-current={path === to ? 'page' : undefined} className="nav-link">
        {label}
      </Link>
    </li>
  );

  return (
    <nav className={open ? 'nav nav-open' : 'nav'} aria-label={t.nav.label}>
      <button type="button" className="nav-toggle" aria-expanded={open} aria-controls="nav-lists" onClick={() => setOpen((value) => !value)}>
        <span aria-hidden="true">☰ </span>
        {t.nav.menu}
      </button>
      <div id="nav-lists" className="nav-lists">
        <ul>
          {item(PATHS.home, t.nav.home)}
          {item(PATHS.transfer, t.nav.transfer)}
          {item(PATHS.beneficiary, t.nav.beneficiary)}
          {item(PATHS.mySecurity, t.nav.mySecurity)}
        </ul>
        {isAdministrator(session) && (
          <>
            <p className="nav-heading" id="nav-admin">
              {t.nav.administration}
            </p>
            <ul aria-labelledby="nav-admin">
              {item(PATHS.users, t.nav.users)}
              <li>
                <p className="nav-subheading" id="nav-security">
                  {t.nav.security}
                </p>
                <ul aria-labelledby="nav-security">
                  {item(PATHS.activation, t.nav.activation)}
                  {item(PATHS.devices, t.nav.devices)}
                </ul>
              </li>
            </ul>
          </>
        )}
        {demo && (
          <>
            <p className="nav-heading" id="nav-dev">
              {t.app.devTool}
            </p>
            <ul aria-labelledby="nav-dev">{item(PATHS.outbox, t.nav.outbox)}</ul>
          </>
        )}
      </div>
    </nav>
  );
}
