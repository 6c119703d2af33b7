import { useCallback, useEffect, useMemo, useState } from 'react';
import type { AccountSummary, NavigationTarget, Settings, Snapshot } from '../preload/contract';
import { Header } from './components/header';
import { DICTIONARIES, I18nContext, errorMessage, type I18n } from './i18n';
import { ActivationFlow } from './screens/activation';
import { ApprovalCodeScreen } from './screens/approval-code';
import { Activated } from './screens/activated';
import { Accounts } from './screens/accounts';
import { Inbox } from './screens/inbox';
import { SettingsScreen } from './screens/settings';
import { SignIn } from './screens/sign-in';
import { ValidationDetail } from './screens/validation';
import { Welcome } from './screens/welcome';
import { AppContext, homeRoute, type AppContextValue, type Route } from './state';

function routeOf(target: NavigationTarget): Route {
  switch (target.screen) {
    case 'validation':
      return { screen: 'validation', accountId: target.accountId, validationId: target.validationId };
    default:
      return { screen: target.screen };
  }
}

export function App() {
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [route, setRoute] = useState<Route | null>(null);
  const [announcement, setAnnouncement] = useState('');

  useEffect(() => {
    const bridge = window.secureAccess;
    const update = (change: (current: Snapshot) => Snapshot) => setSnapshot((current) => (current ? change(current) : current));
    const unsubscribes = [
      bridge.onPendingChanged((pending) => update((current) => ({ ...current, pending }))),
      bridge.onAccountsChanged((accounts) => update((current) => ({ ...current, accounts }))),
      bridge.onConnectivityChanged((connectivity) => update((current) => ({ ...current, connectivity }))),
      bridge.onSettingsChanged((settings) => update((current) => ({ ...current, settings }))),
      bridge.onNavigate((target) => setRoute(routeOf(target))),
    ];
    bridge.getSnapshot().then(
      (loaded) => {
        setSnapshot(loaded);
        setRoute((current) => current ?? homeRoute(loaded));
      },
      (error: unknown) => setLoadError(error),
    );
    return () => unsubscribes.forEach((unsubscribe) => unsubscribe());
  }, []);

  const language = snapshot?.settings.language ?? 'fr';
  const i18n: I18n = useMemo(() => ({ language, t: DICTIONARIES[language] }), [language]);

  useEffect(() => {
    document.documentElement.lang = language;
    document.title = i18n.t.appName;
  }, [language, i18n]);

  const upsertAccount = useCallback((account: AccountSummary) => {
    setSnapshot((current) => {
      if (!current) return current;
      const exists = current.accounts.some((existing) => existing.id === account.id);
      const accounts = exists ? current.accounts.map((existing) => (existing.id === account.id ? account : existing)) : [...current.accounts, account];
      return { ...current, accounts };
    });
  }, []);

  const removeAccountLocally = useCallback((accountId: string) => {
    setSnapshot((current) => current && {
      ...current,
      accounts: current.accounts.filter((account) => account.id !== accountId),
      pending: current.pending.filter((validation) => validation.accountId !== accountId),
    });
  }, []);

  const redirect = useCallback((from: Route['screen'], to: Route) => {
    setRoute((current) => (current?.screen === from ? to : current));
  }, []);

  const applySettings = useCallback((settings: Settings) => {
    setSnapshot((current) => current && { ...current, settings });
  }, []);

  const announce = useCallback((message: string) => {
    // Emptied first so the same sentence twice is announced twice.
    setAnnouncement('');
    setTimeout(() => setAnnouncement(message), 50);
  }, []);

  const context: AppContextValue | null = useMemo(
    () => (snapshot ? { snapshot, navigate: setRoute, redirect, upsertAccount, removeAccountLocally, applySettings, announce } : null),
    [snapshot, redirect, upsertAccount, removeAccountLocally, applySettings, announce],
  );

  let content;
  if (loadError) {
    content = (
      <main className="screen" id="main">
        <h1>{i18n.t.appName}</h1>
        <div className="alert alert-error" role="alert"><p>{errorMessage(loadError, i18n)}</p></div>
      </main>
    );
  } else if (!context || !route) {
    content = (
      <main className="screen screen-loading" id="main" aria-busy="true">
        <p role="status">{i18n.t.loading}</p>
      </main>
    );
  } else {
    content = (
      <>
        <Header route={route} />
        <main className="screen" id="main">
          <Screen route={route} />
        </main>
      </>
    );
  }

  return (
    <I18nContext.Provider value={i18n}>
      <AppContext.Provider value={context}>
        <div className="app">
          {content}
          <div className="visually-hidden" role="status" aria-live="polite">{announcement}</div>
        </div>
      </AppContext.Provider>
    </I18nContext.Provider>
  );
}

function Screen({ route }: { route: Route }) {
  // The key remounts a screen when its subject changes, so its local state and focus start afresh.
  switch (route.screen) {
    case 'welcome':
      return <Welcome key={`welcome-${route.adding}`} adding={route.adding} />;
    case 'signIn':
      return <SignIn key="sign-in" serverUrl={route.serverUrl} adding={route.adding} identifier={route.identifier} />;
    case 'activation':
      return <ActivationFlow key={route.accountId} accountId={route.accountId} />;
    case 'activated':
      return <Activated key={route.accountId} accountId={route.accountId} />;
    case 'inbox':
      return <Inbox />;
    case 'validation':
      return <ValidationDetail key={route.validationId} accountId={route.accountId} validationId={route.validationId} />;
    case 'accounts':
      return <Accounts />;
    case 'settings':
      return <SettingsScreen />;
    case 'approvalCode':
      return <ApprovalCodeScreen key={`${route.accountId}-${route.mode}`} accountId={route.accountId} mode={route.mode} then={route.then} />;
  }
}
