/**
 * Demo (development) mode: the server exposes its SMS/voice outbox only then. The portal asks once and,
 * when it answers, offers the outbox page so a person trying the demo can read their codes.
 */
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api } from './api/client';

const DemoModeContext = createContext(false);

export function DemoModeProvider({ children }: { children: ReactNode }) {
  const [demo, setDemo] = useState(false);
  useEffect(() => {
    const controller = new AbortController();
    api.call('devOutbox', { signal: controller.signal }).then(
      () => setDemo(true),
      () => setDemo(false),
    );
    return () => controller.abort();
  }, []);
  return <DemoModeContext.Provider value={demo}>{children}</DemoModeContext.Provider>;
}

export function useDemoMode(): boolean {
  return useContext(DemoModeContext);
}
