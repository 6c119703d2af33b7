import { useCallback, useEffect, useRef, useState } from 'react';
import { isAbort } from '../api/client';

export type Load<T> = { status: 'loading' } | { status: 'ready'; data: T } | { status: 'failed'; error: unknown };

/**
 * Loads data for a page and keeps it fresh: `reload()` re-reads it (after an action), `everyMs` re-reads it
 * periodically while the page is shown (for lists that change elsewhere). A failed refresh keeps the last data.
 */
export function useLoad<T>(load: (signal: AbortSignal) => Promise<T>, options: { everyMs?: number } = {}) {
  const [state, setState] = useState<Load<T>>({ status: 'loading' });
  const loadRef = useRef(load);
  loadRef.current = load;
  const controllerRef = useRef<AbortController | null>(null);

  const reload = useCallback(async () => {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    try {
      const data = await loadRef.current(controller.signal);
      if (!controller.signal.aborted) setState({ status: 'ready', data });
    } catch (error) {
      if (controller.signal.aborted || isAbort(error)) return;
      setState((previous) => (previous.status === 'ready' ? previous : { status: 'failed', error }));
    }
  }, []);

  useEffect(() => {
    void reload();
    return () => controllerRef.current?.abort();
  }, [reload]);

  const everyMs = options.everyMs;
  useEffect(() => {
    if (!everyMs) return;
    const timer = setInterval(() => void reload(), everyMs);
    return () => clearInterval(timer);
  }, [everyMs, reload]);

  /** Shows data just answered by an action; a read still in flight would be older, so it is dropped. */
  const setData = useCallback((data: T) => {
    controllerRef.current?.abort();
    setState({ status: 'ready', data });
  }, []);

  return { state, reload, setData };
}
