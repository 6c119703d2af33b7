import { useEffect, useState } from 'react';
import type { OperationViewT } from '../../../../protocol/schemas';
import { waitForDecision } from '../api/waitForDecision';

/**
 * Follows an operation while it awaits validation on Secure Access, without a manual refresh.
 * Callers key the component by operation id: a new operation starts a new watch.
 */
export function useOperationWatch(initial: OperationViewT): { operation: OperationViewT; error: unknown } {
  const [operation, setOperation] = useState(initial);
  const [error, setError] = useState<unknown>(null);
  const id = operation.id;
  const pending = operation.status === 'pending';
  useEffect(() => {
    if (!pending) return;
    const controller = new AbortController();
    waitForDecision(id, controller.signal).then(setOperation, (caught: unknown) => {
      if (!controller.signal.aborted) setError(caught);
    });
    return () => controller.abort();
  }, [id, pending]);
  return { operation, error };
}
