import { useEffect, useState } from 'react';
import { serverClock } from '../api/serverClock';

/** The server's current time (see serverClock), re-rendered every `intervalMs` while `enabled`. */
export function useServerNow(intervalMs = 1_000, enabled = true): number {
  const [now, setNow] = useState(() => serverClock.now());
  useEffect(() => {
    if (!enabled) return;
    setNow(serverClock.now());
    const timer = setInterval(() => setNow(serverClock.now()), intervalMs);
    return () => clearInterval(timer);
  }, [intervalMs, enabled]);
  return now;
}
