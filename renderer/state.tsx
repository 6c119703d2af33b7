/** The app's state as the screens see it: the bridge's snapshot kept fresh by its events, and where we are. */
import { createContext, useContext } from 'react';
import type { AccountSummary, Settings, Snapshot } from '../preload/contract';

export type Route =
  | { screen: 'welcome'; adding: boolean }
  | { screen: 'signIn'; serverUrl: string; adding: boolean; identifier?: string }
  | { screen: 'activation'; accountId: string }
  | { screen: 'activated'; accountId: string }
  | { screen: 'inbox' }
  | { screen: 'validation'; accountId: string; validationId: string }
  | { screen: 'accounts' }
  | { screen: 'settings' }
  /** Choose (`set`) or change the approval code of an account; then go on to `then`. */
  | { screen: 'approvalCode'; accountId: string; mode: 'set' | 'change'; then: Route };

export interface AppContextValue {
  snapshot: Snapshot;
  navigate(route: Route): void;
  /**
   * A screen's own reaction to a state change (its account gone, its step done): goes to `route` only while `from` is
   * still shown. A bridge event and the answer of the person's own action can arrive in either order; the place the
   * person's action chose must win over a redirect decided from the older state.
   */
  redirect(from: Route['screen'], route: Route): void;
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

/** "amartin · Durand Industrie": how an account is named wherever several may be on screen. */
export function accountLabelOf(account: Pick<AccountSummary, 'identifier' | 'companyName'>): string {
  return account.companyName ? `${account.identifier} · ${account.companyName}` : account.identifier;
}

/** Once the activation code is accepted: the approval code is chosen before the account shows as active. */
export function routeAfterActivation(account: AccountSummary): Route {
  const activated: Route = { screen: 'activated', accountId: account.id };
  return account.approvalCodeSet ? activated : { screen: 'approvalCode', accountId: account.id, mode: 'set', then: activated };
}

/**
 * Where the app opens: an active account's approval code first if it has none yet (activated before codes existed,
 * or the app closed before it was chosen), then the approvals, otherwise the activation under way, otherwise welcome.
 */
export function homeRoute(snapshot: Snapshot): Route {
  const withoutCode = snapshot.accounts.find((account) => account.status === 'active' && !account.approvalCodeSet);
  if (withoutCode) return { screen: 'approvalCode', accountId: withoutCode.id, mode: 'set', then: { screen: 'inbox' } };
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
