/**
 * Typing the approval code: the masked digit field, and the last step of an approval — what is about to be signed, in
 * one sentence, and the account's approval code (for a login, after the number was picked). The code goes to the core
 * with the approval, once; a wrong one comes back as the attempts left, and the field is emptied for the next try.
 * An account without a code yet is sent to choose one first.
 */
import { useEffect, useRef, useState, type FormEvent, type KeyboardEvent, type ReactNode, type Ref } from 'react';
import type { DecisionResult, PendingValidation } from '../../preload/contract';
import { APPROVAL_CODE_MAX_LENGTH, isApprovalCodeFormat } from '../../protocol/approval-code';
import { errorCodeOf, errorMessage, useI18n } from '../i18n';
import { useApp } from '../state';
import { Field, Spinner } from './common';

/** A masked field for digits: the numeric keypad on touch screens, no autofill, no spelling help. */
export function CodeInput(props: {
  id: string;
  value: string;
  onChange: (value: string) => void;
  name: string;
  autoComplete: 'off' | 'new-password';
  inputRef?: Ref<HTMLInputElement>;
  'aria-describedby'?: string;
  'aria-invalid'?: boolean;
}) {
  const { onChange, inputRef, autoComplete, ...rest } = props;
  return (
    <input
      {...rest}
      ref={inputRef}
      type="password"
      className="code-input approval-code-input"
      inputMode="numeric"
      autoComplete={autoComplete}
      spellCheck={false}
      maxLength={APPROVAL_CODE_MAX_LENGTH}
      onChange={(event) => onChange(event.target.value.replace(/\s+/g, ''))}
    />
  );
}

/** The errors the approval step shows itself (the others close the request, or are shown as usual). */
export function isApprovalCodeError(error: unknown): boolean {
  const code = errorCodeOf(error);
  return code === 'approval_code_invalid' || code === 'approval_code_locked' || code === 'approval_code_not_set';
}

type DecideInput = Parameters<typeof window.secureAccess.decide>[0];

export interface DecideAction {
  execute(input: DecideInput): Promise<DecisionResult | undefined>;
  pending: boolean;
  error: unknown;
}

export function ApprovalConfirmation({ validation, numberChoice, summary, decide, onDecided, onCancel }: {
  validation: PendingValidation;
  numberChoice: number | null;
  /** What is about to be approved, in one sentence: the paragraph `confirm-summary` the code's field is described by. */
  summary: ReactNode;
  /** The screen's decide action: its errors also tell the screen when the request has closed. */
  decide: DecideAction;
  onDecided: (result: DecisionResult) => void;
  onCancel: () => void;
}) {
  const i18n = useI18n();
  const { t } = i18n;
  const { snapshot, navigate, announce } = useApp();
  const account = snapshot.accounts.find((candidate) => candidate.id === validation.accountId);
  const [code, setCode] = useState('');
  const [missing, setMissing] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const wrong = errorCodeOf(decide.error) === 'approval_code_invalid';

  useEffect(() => {
    input.current?.focus();
  }, []);
  useEffect(() => {
    if (!wrong) return;
    input.current?.focus();
    announce(errorMessage(decide.error, i18n));
  }, [wrong, decide.error, announce, i18n]);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !decide.pending) onCancel();
  };

  if (account && !account.approvalCodeSet) {
    return (
      <section className="confirm confirm-approve" aria-labelledby="confirm-title" onKeyDown={onKeyDown}>
        <h2 id="confirm-title">{t.approvalCode.needCodeTitle}</h2>
        <p>{t.approvalCode.needCodeBody}</p>
        <div className="actions">
          <button
            type="button"
            className="button-primary"
            ref={(button) => button?.focus()}
            onClick={() => navigate({ screen: 'approvalCode', accountId: account.id, mode: 'set', then: { screen: 'validation', accountId: account.id, validationId: validation.id } })}
          >
            {t.approvalCode.chooseNow}
          </button>
          <button type="button" className="button-secondary" onClick={onCancel}>{t.cancel}</button>
        </div>
      </section>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!isApprovalCodeFormat(code)) {
      setMissing(true);
      input.current?.focus();
      return;
    }
    setMissing(false);
    const typed = code;
    // The field is emptied at once: the code is not kept on the page while the approval is signed and sent.
    setCode('');
    const outcome = await decide.execute({ accountId: validation.accountId, validationId: validation.id, decision: 'approve', numberChoice, approvalCode: typed });
    if (outcome) onDecided(outcome);
  };

  return (
    <form className="confirm confirm-approve" aria-labelledby="confirm-title" aria-describedby="confirm-summary" onKeyDown={onKeyDown} onSubmit={(event) => void submit(event)} noValidate>
      <h2 id="confirm-title">{t.detail.confirmApproveTitle}</h2>
      {summary}
      <Field
        label={t.approvalCode.approveLabel}
        hint={t.approvalCode.approveHint}
        problem={missing ? t.approvalCode.approveMissing : wrong ? errorMessage(decide.error, i18n) : null}
      >
        {(props) => (
          <CodeInput
            {...props}
            aria-describedby={['confirm-summary', props['aria-describedby']].filter(Boolean).join(' ')}
            name="approvalCode"
            autoComplete="off"
            inputRef={input}
            value={code}
            onChange={(value) => {
              setCode(value);
              setMissing(false);
            }}
          />
        )}
      </Field>
      <div className="actions">
        <button type="submit" className="button-approve" disabled={decide.pending}>
          {decide.pending ? <Spinner /> : null}
          {decide.pending ? t.approvalCode.checking : t.detail.confirmApproveButton}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={decide.pending}>{t.detail.backToDetails}</button>
      </div>
      <details className="forgot">
        <summary>{t.approvalCode.forgot}</summary>
        <p>{t.approvalCode.forgotBody}</p>
        <button type="button" className="button-small" onClick={() => navigate({ screen: 'accounts' })}>{t.approvalCode.goToAccounts}</button>
      </details>
    </form>
  );
}
