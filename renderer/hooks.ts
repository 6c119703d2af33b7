import { useEffect, useRef, useState } from 'react';

/** The current time, refreshed every second while the component is shown (for countdowns). */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  return now;
}

/** Runs `callback` every `ms` while `active`; the latest callback is used, so no stale closures. */
export function useInterval(callback: () => void, ms: number, active: boolean): void {
  const latest = useRef(callback);
  latest.current = callback;
  useEffect(() => {
    if (!active) return;
    const timer = setInterval(() => latest.current(), ms);
    return () => clearInterval(timer);
  }, [ms, active]);
}

/** The state of one bridge call started from a button: what it is doing and how it failed. */
export function useAction<A extends unknown[], R>(run: (...args: A) => Promise<R>) {
  const [pending, setPending] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);
  const execute = async (...args: A): Promise<R | undefined> => {
    setPending(true);
    setError(null);
    try {
      return await run(...args);
    } catch (caught) {
      if (mounted.current) setError(caught);
      return undefined;
    } finally {
      if (mounted.current) setPending(false);
    }
  };
  return { execute, pending, error, setError };
}

/** "Check now": asks the core to reconnect at once. Connectivity events tell the outcome, so a failure shows nothing here. */
export function useCheckNow() {
  const { execute, pending } = useAction(() => window.secureAccess.checkNow());
  return { checkNow: execute, checking: pending };
}
