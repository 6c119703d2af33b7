/** The app's state as the screens see it: the bridge's snapshot kept fresh by its events, and where we are. */
import { createContext, useContext } from 'react';
import type { AccountSummary, Settings, Snapshot } from '../preload/contract';

export type Route =
  | { screen: 'welcome'; adding: boolean }
  | { screen: 'signIn'; serverUrl: string; adding: boolean }
  | { screen: 'activation'; accountId: string }
  | { screen: 'activated'; accountId: string }
  | { screen: 'inbox' }
  | { screen: 'validation'; accountId: string; validationId: string }
  | { screen: 'accounts' }
  | { screen: 'settings' };

export interface AppContextValue {
  snapshot: Snapshot;
  navigate(route: Route): void;
  /** Folds a bridge answer into the state at once, without waiting for the accountsChanged event. */
  upsertAccount(account: AccountSummary): void;
  removeAccountLocally(accountId: string): void;
  /** Folds the settings the core saved into the state at once. */
  applySettings(settings: Settings): void;
  /** Says something to screen readers through the page's polite live region. */
  announce(message: string): void;
}

export const AppContext = createContext<AppContextValue | null>(null);

export function useApp(): AppContextValue {
  const value = useContext(AppContext);
  if (!value) throw new Error('useApp outside <App>');
  return value;
}

/** Where the app opens: the approvals once an account is active, otherwise the activation under way, otherwise welcome. */
export function homeRoute(snapshot: Snapshot): Route {
  if (snapshot.accounts.some((account) => account.status === 'active')) return { screen: 'inbox' };
  const activating = snapshot.accounts.find((account) => account.status === 'activating');
  if (activating) return { screen: 'activation', accountId: activating.id };
  return { screen: 'welcome', adding: false };
}

/**
 * The server a new account uses: IT's locked address; otherwise the one already chosen, IT's preset or the bank's
 * address built into the installer, which is `preset` (shown as a fact, changeable on request) rather than typed.
 */
export function serverForNewAccount(snapshot: Snapshot): { url: string; locked: boolean; preset: boolean } {
  const { policy, bankServerUrl } = snapshot.appInfo;
  if (policy.serverUrl && policy.serverUrlLocked) return { url: policy.serverUrl, locked: true, preset: true };
  const url = snapshot.settings.defaultServerUrl || policy.serverUrl || bankServerUrl || '';
  return { url, locked: false, preset: url !== '' && (url === policy.serverUrl || url === bankServerUrl) };
}
