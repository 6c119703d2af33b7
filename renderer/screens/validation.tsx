/** Screen 8: exactly what will be signed, the number to match for a login, approve or reject with a confirmation. */
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { DecisionResult, PendingValidation } from '../../preload/contract';
import { formatIban, isValidIban } from '../../protocol/iban';
import { ApprovalConfirmation, isApprovalCodeError } from '../components/approval-code';
import { ErrorAlert, Icon, Notice, ScreenTitle, Spinner, TimeLeft } from '../components/common';
import { formatAmount, formatDateTime, secondsUntil } from '../format';
import { useAction, useNow } from '../hooks';
import { errorCodeOf, useI18n, type I18n } from '../i18n';
import { useApp } from '../state';
import { ApprovalsLocked } from './approval-code';

type Phase = 'review' | 'confirm_approve' | 'confirm_reject';

/** Why the request can no longer be decided here. */
type Closed = 'expired' | 'decided' | 'locked' | null;

export function ValidationDetail({ accountId, validationId }: { accountId: string; validationId: string }) {
  const { snapshot, navigate } = useApp();
  const i18n = useI18n();
  const { t } = i18n;
  const now = useNow();
  const live = snapshot.pending.find((candidate) => candidate.accountId === accountId && candidate.id === validationId);
  // The details stay on screen after the request leaves the pending list (expired, or decided elsewhere).
  const [shown, setShown] = useState<PendingValidation | undefined>(live);
  useEffect(() => {
    if (live) setShown(live);
  }, [live]);

  const [phase, setPhase] = useState<Phase>('review');
  // After "Annuler", the keyboard goes back to the button that opened the confirmation.
  const approveButton = useRef<HTMLButtonElement>(null);
  const rejectButton = useRef<HTMLButtonElement>(null);
  const [refocus, setRefocus] = useState<'approve' | 'reject' | null>(null);
  useEffect(() => {
    if (phase !== 'review' || !refocus) return;
    (refocus === 'approve' ? approveButton : rejectButton).current?.focus();
    setRefocus(null);
  }, [phase, refocus]);
  const [numberChoice, setNumberChoice] = useState<number | null>(null);
  const [numberMissing, setNumberMissing] = useState(false);
  const decide = useAction(window.secureAccess.decide);
  const [result, setResult] = useState<DecisionResult | null>(null);

  const validation = live ?? shown;
  if (result && validation) return <DecisionOutcome result={result} validation={validation} />;
  if (!validation) {
    return (
      <div className="stack">
        <ScreenTitle>{t.detail.notFoundTitle}</ScreenTitle>
        <p>{t.detail.notFoundBody}</p>
        <BackToInbox />
      </div>
    );
  }

  const errorCode = errorCodeOf(decide.error);
  const secondsLeft = secondsUntil(validation.expiresAt, now);
  let closed: Closed = null;
  const account = snapshot.accounts.find((candidate) => candidate.id === validation.accountId);
  if (account?.status === 'locked' || errorCode === 'approval_code_locked') closed = 'locked';
  else if (secondsLeft === 0 || errorCode === 'validation_expired') closed = 'expired';
  else if (errorCode === 'validation_already_decided' || errorCode === 'validation_not_pending' || (!live && !decide.pending)) closed = 'decided';

  const { details } = validation;
  const isLogin = details.type === 'login';

  const approve = () => {
    if (isLogin && numberChoice === null) {
      setNumberMissing(true);
      return;
    }
    setPhase('confirm_approve');
  };

  // An approval is sent by ApprovalConfirmation, with the approval code; a rejection needs neither number nor code.
  const reject = async () => {
    const outcome = await decide.execute({ accountId: validation.accountId, validationId: validation.id, decision: 'reject', numberChoice: null, approvalCode: null });
    setPhase('review');
    if (outcome) setResult(outcome);
  };

  return (
    <div className="stack detail">
      <ScreenTitle>{t.detail.titles[validation.kind]}</ScreenTitle>
      {closed ? null : (
        <p className="expiry">
          <Icon name="clock" size={18} /> <TimeLeft expiresAt={validation.expiresAt} now={now} format={t.inbox.timeLeft} />
        </p>
      )}

      {details.type === 'transfer' ? (
        <p className="amount-hero">
          <span className="amount">{formatAmount(details.amount, details.currency, i18n.language)}</span>
          <span className="amount-payee">{t.detail.toPayee(details.payeeName)}</span>
        </p>
      ) : null}

      <ValidationFacts validation={validation} i18n={i18n} />

      {closed === 'locked' && account ? (
        <ApprovalsLocked account={account} />
      ) : closed === 'expired' ? (
        <Notice tone="warning" title={t.detail.expiredTitle} role="alert"><p>{t.detail.expiredBody}</p></Notice>
      ) : closed === 'decided' ? (
        <Notice tone="info" title={t.detail.decidedTitle} role="alert"><p>{t.detail.decidedBody}</p></Notice>
      ) : (
        <>
          {isLogin && validation.numberChoices ? (
            <NumberMatching
              choices={validation.numberChoices}
              value={numberChoice}
              disabled={phase !== 'review' || decide.pending}
              missing={numberMissing && numberChoice === null}
              onChange={(choice) => {
                setNumberChoice(choice);
                setNumberMissing(false);
              }}
            />
          ) : null}
          <ErrorAlert error={isApprovalCodeError(decide.error) ? null : decide.error} />
          {phase === 'review' ? (
            <div className="actions decision-actions">
              <button type="button" ref={approveButton} className="button-approve" onClick={approve}>
                <Icon name="check" size={20} /> {t.detail.approve[validation.kind]}
              </button>
              <button type="button" ref={rejectButton} className="button-reject" onClick={() => setPhase('confirm_reject')}>
                <Icon name="cross" size={20} /> {t.detail.reject}
              </button>
            </div>
          ) : phase === 'confirm_approve' ? (
            <ApprovalConfirmation
              validation={validation}
              numberChoice={numberChoice}
              decide={decide}
              onDecided={(outcome) => {
                setPhase('review');
                setResult(outcome);
              }}
              onCancel={() => {
                setRefocus('approve');
                setPhase('review');
              }}
            />
          ) : (
            <Confirmation
              kind="reject"
              validation={validation}
              numberChoice={numberChoice}
              pending={decide.pending}
              onConfirm={() => void reject()}
              onCancel={() => {
                setRefocus('reject');
                setPhase('review');
              }}
            />
          )}
        </>
      )}
      {closed ? <BackToInbox /> : null}
      {!closed && phase === 'review' ? (
        <button type="button" className="button-link back-link" onClick={() => navigate({ screen: 'inbox' })}>{t.detail.backToInbox}</button>
      ) : null}
    </div>
  );
}

function BackToInbox() {
  const { navigate } = useApp();
  const { t } = useI18n();
  return (
    <div className="actions">
      <button type="button" className="button-primary" onClick={() => navigate({ screen: 'inbox' })}>{t.detail.backToInbox}</button>
    </div>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

function IbanValue({ iban, i18n }: { iban: string; i18n: I18n }) {
  const valid = isValidIban(iban);
  return (
    <>
      <span className="mono iban">{formatIban(iban)}</span>
      <span className={valid ? 'iban-check iban-valid' : 'iban-check iban-invalid'}>
        <Icon name={valid ? 'check' : 'warning'} size={16} /> {valid ? i18n.t.detail.ibanValid : i18n.t.detail.ibanInvalid}
      </span>
    </>
  );
}

/**
 * Everything that is signed, one fact a line. A transfer's amount and payee are the large display above; the title
 * says the operation's type.
 */
function ValidationFacts({ validation, i18n }: { validation: PendingValidation; i18n: I18n }) {
  const { t, language } = i18n;
  const { details } = validation;
  return (
    <dl className="facts">
      <Fact label={t.detail.account}>{validation.accountLabel}</Fact>
      {details.type === 'transfer' ? (
        <>
          <Fact label={t.detail.payeeIban}><IbanValue iban={details.iban} i18n={i18n} /></Fact>
          <Fact label={t.detail.reference}>{details.reference || t.detail.noReference}</Fact>
          <Fact label={t.detail.debitAccount}><span className="mono iban">{formatIban(details.debitAccountIban)}</span></Fact>
        </>
      ) : null}
      {details.type === 'beneficiary' ? (
        <>
          <Fact label={t.detail.payee}>{details.name}</Fact>
          <Fact label={t.detail.iban}><IbanValue iban={details.iban} i18n={i18n} /></Fact>
        </>
      ) : null}
      <Fact label={t.detail.channel}>{t.detail.channels[details.channel]}</Fact>
      {details.type === 'login' ? (
        <>
          <Fact label={t.detail.ipAddress}><span className="mono">{details.ipAddress}</span></Fact>
          <Fact label={t.detail.browser}><span className="user-agent">{details.userAgent}</span></Fact>
        </>
      ) : null}
      <Fact label={t.detail.requestedAt}>{formatDateTime(details.requestedAt, language)}</Fact>
    </dl>
  );
}

/** Three big choices; native radios, so arrow keys, Tab and screen readers work as everywhere else. */
function NumberMatching({ choices, value, disabled, missing, onChange }: {
  choices: number[];
  value: number | null;
  disabled: boolean;
  missing: boolean;
  onChange: (choice: number) => void;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="numbers" disabled={disabled} aria-describedby="number-hint">
      <legend>{t.detail.numberLegend}</legend>
      <div className="number-choices">
        {choices.map((choice) => (
          <label key={choice} className="number-choice">
            <input type="radio" name="number" value={choice} checked={value === choice} onChange={() => onChange(choice)} />
            <span className="number-tile">{choice}</span>
          </label>
        ))}
      </div>
      <p className="hint" id="number-hint">{t.detail.numberHint}</p>
      {missing ? <p className="problem" role="alert">{t.detail.chooseNumberFirst}</p> : null}
    </fieldset>
  );
}

function Confirmation({ kind, validation, numberChoice, pending, onConfirm, onCancel }: {
  kind: 'approve' | 'reject';
  validation: PendingValidation;
  numberChoice: number | null;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t, language } = useI18n();
  const titleRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    titleRef.current?.focus();
  }, []);
  const { details } = validation;
  let summary: string;
  if (kind === 'reject') summary = t.detail.confirmReject;
  else if (details.type === 'transfer') summary = t.detail.confirmApprove.transfer(formatAmount(details.amount, details.currency, language), details.payeeName);
  else if (details.type === 'beneficiary') summary = t.detail.confirmApprove.beneficiary(details.name);
  else summary = t.detail.confirmApprove.login(numberChoice ?? 0);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !pending) onCancel();
  };

  return (
    <section className={`confirm confirm-${kind}`} aria-labelledby="confirm-title" aria-describedby="confirm-summary" onKeyDown={onKeyDown}>
      <h2 id="confirm-title" ref={titleRef} tabIndex={-1}>{kind === 'approve' ? t.detail.confirmApproveTitle : t.detail.confirmRejectTitle}</h2>
      <p id="confirm-summary">{summary}</p>
      <div className="actions">
        <button type="button" className={kind === 'approve' ? 'button-approve' : 'button-reject-solid'} onClick={onConfirm} disabled={pending}>
          {pending ? <Spinner /> : null}
          {pending ? t.detail.deciding : kind === 'approve' ? t.detail.confirmApproveButton : t.detail.confirmRejectButton}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={pending}>{t.cancel}</button>
      </div>
    </section>
  );
}

function DecisionOutcome({ result, validation }: { result: DecisionResult; validation: PendingValidation }) {
  const { t, language } = useI18n();
  const { details } = validation;
  const title = result.status === 'approved' ? t.result.approved[validation.kind] : result.status === 'rejected' ? t.result.rejected : t.result.expired;
  const body = result.status === 'approved' ? t.result.approvedBody : result.status === 'rejected' ? t.result.rejectedBody : t.result.expiredBody;
  const icon = result.status === 'approved' ? 'check' : result.status === 'rejected' ? 'cross' : 'clock';
  return (
    <div className="stack outcome">
      <div className={`hero hero-${result.status}`}>
        <Icon name={icon} size={48} />
      </div>
      <ScreenTitle eyebrow={validation.accountLabel}>{title}</ScreenTitle>
      {details.type === 'transfer' ? (
        <p className="amount-hero">
          <span className="amount">{formatAmount(details.amount, details.currency, language)}</span>
          <span className="amount-payee">{t.detail.toPayee(details.payeeName)}</span>
        </p>
      ) : null}
      <p className="lead">{body}</p>
      <p className="muted">{t.result.at(formatDateTime(result.decidedAt, language))}</p>
      <BackToInbox />
    </div>
  );
}
