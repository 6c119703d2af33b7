/**
 * The portal session: the server's SessionView (which step, who, the CSRF token) and the transitions
 * between login, the first-connection steps and the authenticated pages. While a step waits on something
 * outside the browser (a device being activated, a login approved on Secure Access), the session is
 * long-polled: the server answers as soon as its stateKey changes.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import type { SessionViewT } from '../../../protocol/schemas';
import { SecureAccessError } from '../../../protocol/errors';
import { api, isAbort, SESSION_LOST_CODES } from './api/client';

/** Why the person is looking at the login page, when it is not their first visit. */
export type LoginNotice = 'logged_out' | 'idle' | 'session_lost';

export type SessionState =
  | { status: 'loading' }
  | { status: 'anonymous'; notice: LoginNotice | null; error: unknown }
  | { status: 'active'; session: SessionViewT };

export interface SessionControls {
  state: SessionState;
  /** Adopts a SessionView answered by the server (login, step actions). */
  apply(session: SessionViewT): void;
  /** Re-reads the session now (e.g. after revoking one's own device). */
  refresh(): Promise<void>;
  /** Ends the session; `error` is shown on the login page (e.g. why the server ended it). */
  logout(notice?: LoginNotice | null, error?: unknown): Promise<void>;
}

const SessionContext = createContext<SessionControls | null>(null);

/** Steps whose state changes elsewhere (the desktop app), so the page must follow the server by itself. */
const WAITING_STEPS = new Set<SessionViewT['step']>(['install', 'secure_access']);
const LONG_POLL_SECONDS = 25;
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000];

export function SessionProvider({ children }: { children: ReactNode }) {
  const [state, setState] = useState<SessionState>({ status: 'loading' });
  const stateRef = useRef(state);
  stateRef.current = state;

  const apply = useCallback((session: SessionViewT) => {
    api.setCsrfToken(session.csrfToken);
    setState({ status: 'active', session });
  }, []);

  const becomeAnonymous = useCallback((notice: LoginNotice | null, error: unknown = null) => {
    api.setCsrfToken(null);
    setState({ status: 'anonymous', notice, error });
  }, []);

  const refresh = useCallback(async () => {
    try {
      apply(await api.call('getSession'));
    } catch (error) {
      if (error instanceof SecureAccessError && SESSION_LOST_CODES.has(error.code)) {
        becomeAnonymous(stateRef.current.status === 'active' ? 'session_lost' : null);
      } else {
        throw error;
      }
    }
  }, [apply, becomeAnonymous]);

  const logout = useCallback(
    async (notice: LoginNotice | null = 'logged_out', error: unknown = null) => {
      try {
        await api.call('logout');
      } catch {
        // The session may already be gone on the server: the person is logged out either way.
      }
      becomeAnonymous(notice, error);
    },
    [becomeAnonymous],
  );

  // First load: is there a session already (a reload, a second tab)?
  useEffect(() => {
    api.call('getSession').then(apply, (error: unknown) => {
      const noSession = error instanceof SecureAccessError && SESSION_LOST_CODES.has(error.code);
      becomeAnonymous(null, noSession ? null : error);
    });
  }, [apply, becomeAnonymous]);

  useEffect(
    () =>
      api.onSessionStateError((error) => {
        if (stateRef.current.status !== 'active') return;
        if (error.code === 'step_required') void refresh().catch(() => undefined);
        else becomeAnonymous('session_lost');
      }),
    [becomeAnonymous, refresh],
  );

  const session = state.status === 'active' ? state.session : null;
  const waitingStateKey = session && WAITING_STEPS.has(session.step) && !isLoginSettled(session) ? session.stateKey : null;

  useEffect(() => {
    if (waitingStateKey === null) return;
    const controller = new AbortController();
    let failures = 0;
    let retryTimer: ReturnType<typeof setTimeout> | undefined;

    const poll = () => {
      api
        .call('getSession', { query: { knownState: waitingStateKey, waitSeconds: LONG_POLL_SECONDS }, signal: controller.signal })
        .then(
          (next) => {
            failures = 0;
            if (next.stateKey === waitingStateKey) poll();
            else apply(next); // a new stateKey restarts this effect with the new key
          },
          (error: unknown) => {
            if (controller.signal.aborted || isAbort(error)) return;
            if (error instanceof SecureAccessError && SESSION_LOST_CODES.has(error.code)) return;
            const delay = RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)];
            failures += 1;
            retryTimer = setTimeout(poll, delay);
          },
        );
    };
    poll();
    return () => {
      controller.abort();
      clearTimeout(retryTimer);
    };
  }, [waitingStateKey, apply]);

  const value = useMemo<SessionControls>(() => ({ state, apply, refresh, logout }), [state, apply, refresh, logout]);
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** A login validation that was rejected or expired waits for the person to start again: nothing left to wait for. */
function isLoginSettled(session: SessionViewT): boolean {
  return session.step === 'secure_access' && session.loginValidation !== null && session.loginValidation.status !== 'pending';
}

export function useSession(): SessionControls {
  const value = useContext(SessionContext);
  if (!value) throw new Error('useSession outside SessionProvider');
  return value;
}

/** The active session; only for components rendered under an active session. */
export function useActiveSession(): SessionViewT {
  const { state } = useSession();
  if (state.status !== 'active') throw new Error('no active session');
  return state.session;
}

export function isAdministrator(session: SessionViewT): boolean {
  return session.holder.role === 'primary_admin' || session.holder.role === 'admin';
}
