import { useCallback, useEffect, useRef, useState } from 'react';
import { isValidIban, normalizeIban } from '../../../../protocol/iban';
import type { PayeeCheckResponseT } from '../../../../protocol/schemas';
import { api } from '../api/client';
import { useI18n } from '../i18n/I18nProvider';
import { Alert } from './ui';

/** How long typing pauses before the bank is asked, so a name is not checked letter by letter. */
const PAUSE_MS = 700;

export type PayeeCheckState =
  | { status: 'idle' }
  | { status: 'checking' }
  | { status: 'done'; answer: PayeeCheckResponseT }
  | { status: 'failed'; error: unknown };

/**
 * Verification of Payee while the person types: once the name and a valid IBAN are both there (and typing has
 * paused), the bank is asked whether the name is the IBAN's holder. Answers are kept per name and IBAN, so going back
 * and forth costs nothing. `checkNow` asks at once (leaving a field, sending the form) and resolves to the answer.
 */
export function usePayeeCheck(name: string, iban: string) {
  const key = name.trim() !== '' && isValidIban(iban) ? `${name.trim()}\n${normalizeIban(iban)}` : null;
  const answers = useRef(new Map<string, PayeeCheckResponseT>());
  const inFlight = useRef(new Map<string, Promise<PayeeCheckResponseT | null>>());
  const [state, setState] = useState<PayeeCheckState>({ status: 'idle' });
  const latestKey = useRef(key);
  latestKey.current = key;

  const ask = useCallback(async (wanted: string): Promise<PayeeCheckResponseT | null> => {
    const known = answers.current.get(wanted);
    if (known) {
      if (latestKey.current === wanted) setState({ status: 'done', answer: known });
      return known;
    }
    let running = inFlight.current.get(wanted);
    if (!running) {
      const [checkedName = '', checkedIban = ''] = wanted.split('\n');
      if (latestKey.current === wanted) setState({ status: 'checking' });
      running = api.call('checkPayee', { body: { name: checkedName, iban: checkedIban } }).then(
        (answer) => {
          answers.current.set(wanted, answer);
          return answer;
        },
        (error: unknown) => {
          if (latestKey.current === wanted) setState({ status: 'failed', error });
          return null;
        },
      ).finally(() => inFlight.current.delete(wanted));
      inFlight.current.set(wanted, running);
    }
    const answer = await running;
    if (answer && latestKey.current === wanted) setState({ status: 'done', answer });
    return answer;
  }, []);

  useEffect(() => {
    if (key === null) {
      setState({ status: 'idle' });
      return;
    }
    const known = answers.current.get(key);
    if (known) {
      setState({ status: 'done', answer: known });
      return;
    }
    setState({ status: 'idle' });
    const timer = setTimeout(() => void ask(key), PAUSE_MS);
    return () => clearTimeout(timer);
  }, [key, ask]);

  const checkNow = useCallback(() => (key === null ? Promise.resolve(null) : ask(key)), [key, ask]);
  return { state, checkNow };
}

/**
 * What the payee's bank said, under the payee's name. A close match offers the registered name; a mismatch must be
 * acknowledged before the operation can be sent (and is shown again to whoever approves it).
 */
export function PayeeCheckMessage({
  state,
  id,
  acknowledged,
  onAcknowledge,
  onUseRegisteredName,
  showAcknowledgeError,
}: {
  state: PayeeCheckState;
  id: string;
  acknowledged: boolean;
  onAcknowledge(value: boolean): void;
  onUseRegisteredName(name: string): void;
  showAcknowledgeError: boolean;
}) {
  const { t, errorMessage } = useI18n();
  const words = t.payeeCheck;
  if (state.status === 'idle') return <p className="hint" id={id}>{words.hint}</p>;
  if (state.status === 'checking') return <p className="hint" id={id} role="status">{words.checking}</p>;
  if (state.status === 'failed') {
    return <div id={id}><Alert tone="warning" title={words.failedTitle}><p>{errorMessage(state.error)}</p></Alert></div>;
  }
  const { check } = state.answer;
  switch (check.result) {
    case 'match':
      return (
        <p className="hint hint-valid" id={id} role="status">
          <span aria-hidden="true">✓ </span>
          {words.match}
        </p>
      );
    case 'close_match':
      return (
        <div id={id}>
          <Alert tone="warning" title={words.closeMatchTitle}>
            <p>{words.closeMatchBody(check.registeredName ?? '')}</p>
            <button type="button" className="button-secondary button-small" onClick={() => onUseRegisteredName(check.registeredName ?? '')}>
              {words.useRegisteredName(check.registeredName ?? '')}
            </button>
          </Alert>
        </div>
      );
    case 'no_match':
      return (
        <div id={id}>
          <Alert tone="error" title={words.noMatchTitle}>
            <p>{words.noMatchBody}</p>
            <label className="checkbox">
              <input type="checkbox" name="payeeMismatchAcknowledged" checked={acknowledged} onChange={(event) => onAcknowledge(event.target.checked)} aria-invalid={showAcknowledgeError && !acknowledged ? true : undefined} />
              <span>{words.acknowledge}</span>
            </label>
            {showAcknowledgeError && !acknowledged && <p className="field-error">{words.acknowledgeRequired}</p>}
          </Alert>
        </div>
      );
    case 'unavailable':
      return (
        <div id={id}>
          <Alert tone="info" title={words.unavailableTitle}>
            <p>{words.unavailableBody}</p>
          </Alert>
        </div>
      );
  }
}
