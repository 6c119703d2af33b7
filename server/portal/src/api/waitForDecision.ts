import type { OperationViewT } from '../../../../protocol/schemas';
import { SecureAccessError } from '../../../../protocol/errors';
import { api } from './client';

const LONG_POLL_SECONDS = 25;
const RETRY_DELAYS_MS = [1_000, 2_000, 5_000, 10_000];

function sleep(milliseconds: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, milliseconds);
    signal.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new DOMException('aborted', 'AbortError'));
    });
  });
}

/**
 * Resolves with the operation once it is no longer pending (approved, rejected or expired). The server holds
 * each request until the status changes or 25 s pass, so the decision arrives at once. Network hiccups are
 * retried with a growing delay; a refusal (lost session, unknown operation) or an abort ends the wait.
 */
export async function waitForDecision(id: string, signal: AbortSignal): Promise<OperationViewT> {
  let failures = 0;
  for (;;) {
    try {
      const { operation } = await api.call('getOperation', { params: { id }, query: { knownStatus: 'pending', waitSeconds: LONG_POLL_SECONDS }, signal });
      failures = 0;
      if (operation.status !== 'pending') return operation;
    } catch (error) {
      if (signal.aborted) throw error;
      // A refusal (lost session, unknown operation) is final; an unreachable or busy server is worth waiting for.
      if (error instanceof SecureAccessError && error.status < 500 && error.code !== 'rate_limited') throw error;
      await sleep(RETRY_DELAYS_MS[Math.min(failures, RETRY_DELAYS_MS.length - 1)] ?? 10_000, signal);
      failures += 1;
    }
  }
}
