import { useState, type FormEvent } from 'react';

/**
 * A form's submission: `submitted` once tried (fields show their errors from then on), `busy` while the request
 * runs, `error` from the last failed request. `request` returns null when the form is not valid: nothing is sent.
 */
export function useSubmit() {
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);

  async function submit<Result>(event: FormEvent, request: () => Promise<Result> | null, onDone: (result: Result) => void) {
    event.preventDefault();
    setSubmitted(true);
    setError(null);
    const answer = request();
    if (!answer) return;
    setBusy(true);
    try {
      onDone(await answer);
    } catch (caught) {
      setError(caught);
    } finally {
      setBusy(false);
    }
  }

  return { submitted, busy, error, submit, clearSubmitted: () => setSubmitted(false) };
}

/** One action at a time on a table's rows: `busyId` names the row whose action runs, `error` the last failure. */
export function useRowAction() {
  const [busyId, setBusyId] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);

  async function run(id: string, action: () => Promise<void>) {
    setBusyId(id);
    setError(null);
    try {
      await action();
    } catch (caught) {
      setError(caught);
    } finally {
      setBusyId(null);
    }
  }

  return { busyId, error, run };
}
