/**
 * Screen 8: exactly what will be signed, in banking words (who it is for, who entered it, which account is debited,
 * who is paid and what their bank says of the name, when), the number to match for a login, and a decision bar that
 * stays in view with its countdown; approve (with the approval code) or reject after a confirmation that says what is
 * about to happen.
 */
import { useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { DecisionResult, PendingValidation, ValidationOutcome } from '../../preload/contract';
import { formatIban, isValidIban, maskIban } from '../../protocol/iban';
import type { PayeeCheckT } from '../../protocol/schemas';
import { describeUserAgent } from '../../protocol/user-agent';
import { ApprovalConfirmation, isApprovalCodeError } from '../components/approval-code';
import { ErrorAlert, Icon, Notice, ScreenTitle, Spinner, TimeLeft } from '../components/common';
import { countryName, formatAmount, formatDateTime, formatDay, formatHourMinute, localDay, secondsUntil } from '../format';
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
  // After "Revenir au détail", the keyboard goes back to the button that opened the confirmation.
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
  // On a shared computer, whose request this is is said again where it is decided.
  const onBehalfOf = snapshot.accounts.length > 1 ? details.userDisplayName : null;

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
      {closed ? null : (
        <button type="button" className="button-link back-link" onClick={() => navigate({ screen: 'inbox' })}>
          <span aria-hidden="true">‹ </span>{t.detail.backToInbox}
        </button>
      )}
      <ScreenTitle eyebrow={onBehalfOf ? t.detail.forUser(onBehalfOf) : undefined}>{t.detail.titles[validation.kind]}</ScreenTitle>

      {details.type === 'transfer' ? (
        <p className="amount-hero">
          <span className="amount">{formatAmount(details.amount, details.currency, i18n.language)}</span>
          <span className="amount-payee">{t.detail.toPayee(details.payeeName)}</span>
        </p>
      ) : null}
      {details.type === 'transfer' || details.type === 'beneficiary' ? (
        <PayeeCheckNotice check={details.payeeCheck} enteredName={details.type === 'transfer' ? details.payeeName : details.name} />
      ) : null}

      {isLogin && validation.numberChoices && !closed ? (
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

      <ValidationFacts validation={validation} i18n={i18n} now={now} />

      {closed === 'locked' && account ? (
        <ApprovalsLocked account={account} />
      ) : closed === 'expired' ? (
        <Notice tone="warning" title={t.detail.expiredTitle} role="alert"><p>{t.detail.expiredBody}</p></Notice>
      ) : closed === 'decided' ? (
        <DecidedElsewhere validation={validation} />
      ) : (
        <section className="decision-bar" aria-label={t.detail.decisionLabel}>
          <p className="expiry">
            <Icon name="clock" size={18} /> <TimeLeft expiresAt={validation.expiresAt} now={now} format={t.inbox.timeLeft} />
          </p>
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
              summary={<ConfirmationSummary kind="approve" validation={validation} numberChoice={numberChoice} onBehalfOf={onBehalfOf} />}
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
              validation={validation}
              numberChoice={numberChoice}
              onBehalfOf={onBehalfOf}
              pending={decide.pending}
              onConfirm={() => void reject()}
              onCancel={() => {
                setRefocus('reject');
                setPhase('review');
              }}
            />
          )}
        </section>
      )}
      {closed ? <BackToInbox /> : null}
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

function Fact({ label, children, tone }: { label: string; children: ReactNode; tone?: 'warning' }) {
  return (
    <div className={tone ? `fact-${tone}` : undefined}>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </div>
  );
}

/** "FR76 3000 …": the IBAN grouped by four; its format is all the app itself can vouch for. */
function IbanValue({ iban, i18n }: { iban: string; i18n: I18n }) {
  const valid = isValidIban(iban);
  return (
    <>
      <span className="mono iban">{formatIban(iban)}</span>
      <span className={valid ? 'note' : 'note iban-invalid'}>
        {valid ? null : <Icon name="warning" size={16} />} {valid ? i18n.t.detail.ibanFormatValid : i18n.t.detail.ibanFormatInvalid}
      </span>
    </>
  );
}

const CHECK_ICON: Record<PayeeCheckT['result'], 'check' | 'warning'> = { match: 'check', close_match: 'warning', no_match: 'warning', unavailable: 'warning' };

/** What the payee's bank said of the name, on the payee's line. */
function PayeeCheckLine({ check }: { check: PayeeCheckT }) {
  const { t } = useI18n();
  return (
    <span className={`payee-check payee-check-${check.result}`}>
      <Icon name={CHECK_ICON[check.result]} size={16} /> {t.detail.payeeCheck.line[check.result]}
    </span>
  );
}

/** Anything but a match is said above the facts, in words a treasurer acts on. */
function PayeeCheckNotice({ check, enteredName }: { check: PayeeCheckT; enteredName: string }) {
  const { t } = useI18n();
  const words = t.detail.payeeCheck;
  if (check.result === 'match') return null;
  if (check.result === 'no_match') {
    return <Notice tone="error" title={words.noMatchTitle}><p>{words.noMatchBody(enteredName)}</p></Notice>;
  }
  if (check.result === 'close_match') {
    return <Notice tone="warning" title={words.closeMatchTitle}><p>{words.closeMatchBody(check.registeredName ?? '', enteredName)}</p></Notice>;
  }
  return <Notice tone="info" title={words.unavailableTitle}><p>{words.unavailableBody}</p></Notice>;
}

/** Everything that is signed, one fact a line; a transfer's amount and payee are also the large display above. */
function ValidationFacts({ validation, i18n, now }: { validation: PendingValidation; i18n: I18n; now: number }) {
  const { t, language } = i18n;
  const { details } = validation;
  const who = (
    <>
      <Fact label={t.detail.user}>{details.userDisplayName}</Fact>
      <Fact label={t.detail.company}>{details.companyName}</Fact>
    </>
  );
  if (details.type === 'login') {
    const agent = describeUserAgent(details.userAgent);
    return (
      <dl className="facts">
        {who}
        <Fact label={t.detail.from}>
          <span>{t.detail.channels[details.channel]}</span>
          <span className="note">{agent.browser || agent.system ? [agent.browser, agent.system].filter(Boolean).join(' · ') : t.detail.unknownBrowser}</span>
        </Fact>
        <Fact label={t.detail.ipAddress}><span className="mono">{details.ipAddress}</span></Fact>
        <Fact label={t.detail.requestedAt}>{formatDateTime(details.requestedAt, language)}</Fact>
      </dl>
    );
  }
  const payeeName = details.type === 'transfer' ? details.payeeName : details.name;
  // Paid abroad, from this account: worth a second look.
  const abroad = details.type === 'transfer' && details.payeeCountry !== details.debitAccountIban.slice(0, 2);
  return (
    <dl className="facts">
      {who}
      <Fact label={t.detail.initiator}>{details.initiatorDisplayName}</Fact>
      {details.type === 'transfer' ? (
        <Fact label={t.detail.debitAccount}>
          <span>{details.debitAccountName}</span>
          <span className="mono iban">{formatIban(details.debitAccountIban)}</span>
        </Fact>
      ) : null}
      <Fact label={t.detail.payee} tone={details.payeeCheck.result === 'match' ? undefined : 'warning'}>
        <span>{payeeName}</span>
        <PayeeCheckLine check={details.payeeCheck} />
      </Fact>
      <Fact label={t.detail.payeeIban}><IbanValue iban={details.iban} i18n={i18n} /></Fact>
      <Fact label={t.detail.payeeCountry} tone={abroad ? 'warning' : undefined}>
        <span>{countryName(details.payeeCountry, language)}</span>
        {abroad ? <span className="note">{t.detail.abroad}</span> : null}
      </Fact>
      {details.type === 'transfer' ? (
        <>
          <Fact label={t.detail.reference}>{details.reference ? <bdi>{details.reference}</bdi> : t.detail.noReference}</Fact>
          <Fact label={t.detail.executionDate}>
            {formatDay(details.executionDate, language)}
            {details.executionDate === localDay(now) ? ` (${t.detail.today})` : ''}
          </Fact>
        </>
      ) : null}
      <Fact label={t.detail.enteredAt}>
        <span>{formatDateTime(details.requestedAt, language)}</span>
        <span className="note">{t.detail.channels[details.channel]}</span>
      </Fact>
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

/** What is about to happen, in one sentence (the approval's also says when the payee's bank did not know the name). */
function ConfirmationSummary({ kind, validation, numberChoice, onBehalfOf }: {
  kind: 'approve' | 'reject';
  validation: PendingValidation;
  numberChoice: number | null;
  onBehalfOf: string | null;
}) {
  const { t, language } = useI18n();
  const { details } = validation;
  const words = kind === 'approve' ? t.detail.confirmApprove : t.detail.confirmReject;
  let summary: string;
  if (details.type === 'transfer') {
    summary = words.transfer({
      amount: formatAmount(details.amount, details.currency, language),
      payee: details.payeeName,
      accountName: details.debitAccountName,
      accountIban: maskIban(details.debitAccountIban),
      onBehalfOf,
    });
  } else if (details.type === 'beneficiary') {
    summary = words.beneficiary({ name: details.name, onBehalfOf });
  } else {
    summary = words.login({ number: numberChoice ?? 0, onBehalfOf });
  }
  const payeeMismatch = kind === 'approve' && details.type !== 'login' && details.payeeCheck.result === 'no_match';
  return (
    <p id="confirm-summary">
      {summary}
      {payeeMismatch ? <strong className="confirm-warning"> {t.detail.payeeCheck.reminder}</strong> : null}
      {kind === 'reject' ? ` ${t.detail.confirmRejectAdvice}` : null}
    </p>
  );
}

/** The rejection's confirmation (an approval's is ApprovalConfirmation, which asks for the approval code too). */
function Confirmation({ validation, numberChoice, onBehalfOf, pending, onConfirm, onCancel }: {
  validation: PendingValidation;
  numberChoice: number | null;
  onBehalfOf: string | null;
  pending: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const titleRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    titleRef.current?.focus();
  }, []);

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape' && !pending) onCancel();
  };

  return (
    <section className="confirm confirm-reject" aria-labelledby="confirm-title" aria-describedby="confirm-summary" onKeyDown={onKeyDown}>
      <h2 id="confirm-title" ref={titleRef} tabIndex={-1}>{t.detail.confirmRejectTitle}</h2>
      <ConfirmationSummary kind="reject" validation={validation} numberChoice={numberChoice} onBehalfOf={onBehalfOf} />
      <div className="actions">
        <button type="button" className="button-reject-solid" onClick={onConfirm} disabled={pending}>
          {pending ? <Spinner /> : null}
          {pending ? t.detail.deciding : t.detail.confirmRejectButton}
        </button>
        <button type="button" className="button-secondary" onClick={onCancel} disabled={pending}>{t.detail.backToDetails}</button>
      </div>
    </section>
  );
}

/** "Déjà validée sur « PC Trésorerie » à 11:50": the bank says how the request ended, when it can be reached. */
function DecidedElsewhere({ validation }: { validation: PendingValidation }) {
  const { t, language } = useI18n();
  const [outcome, setOutcome] = useState<ValidationOutcome | null>(null);
  useEffect(() => {
    let current = true;
    window.secureAccess.validationOutcome({ accountId: validation.accountId, validationId: validation.id }).then(
      (answer) => {
        if (current) setOutcome(answer);
      },
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [validation.accountId, validation.id]);

  let body = t.detail.decidedUnknown;
  if (outcome && (outcome.status === 'approved' || outcome.status === 'rejected') && outcome.decidedAt) {
    const sameDay = localDay(Date.parse(outcome.decidedAt)) === localDay(Date.now());
    const moment = t.detail.moment(sameDay ? null : formatDay(localDay(Date.parse(outcome.decidedAt)), language), formatHourMinute(outcome.decidedAt, language));
    const where = outcome.decidedHere || outcome.deviceName === null ? t.detail.thisDevice : t.detail.onDevice(outcome.deviceName);
    body = t.detail.decidedBy[outcome.status](where, moment);
  } else if (outcome?.status === 'expired') {
    body = t.detail.expiredBody;
  }
  return (
    <Notice tone="info" title={t.detail.decidedTitle} role="alert">
      <p aria-live="polite">{body}</p>
    </Notice>
  );
}

function DecisionOutcome({ result, validation }: { result: DecisionResult; validation: PendingValidation }) {
  const { t, language } = useI18n();
  const { details } = validation;
  const title = result.status === 'approved' ? t.result.approved[validation.kind] : result.status === 'rejected' ? t.result.rejected : t.result.expired;
  let body: string;
  if (result.status === 'approved') {
    body = details.type === 'transfer' ? t.result.approvedBody.transfer(formatDay(details.executionDate, language)) : t.result.approvedBody[details.type];
  } else {
    body = result.status === 'rejected' ? t.result.rejectedBody[validation.kind] : t.result.expiredBody;
  }
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
