/**
 * The approval code's screens: choose it (after activation, or once for an account activated before codes existed),
 * change it (the current one, then the new one twice), and what shows when an account's approvals are locked.
 * The code is typed here and handed to the core once; nothing comes back but the account's state.
 */
import { useEffect, useRef, useState, type FormEvent, type ReactNode } from 'react';
import type { AccountSummary } from '../../preload/contract';
import { APPROVAL_CODE_MIN_LENGTH, APPROVAL_CODE_RULES, approvalCodeChecks, isApprovalCodeFormat } from '../../protocol/approval-code';
import { CodeInput } from '../components/approval-code';
import { ErrorAlert, Field, Icon, Notice, ScreenTitle, Spinner } from '../components/common';
import { useAction } from '../hooks';
import { useI18n } from '../i18n';
import { accountLabelOf, useApp, type Route } from '../state';

/** The fewest digits a new code may have on this installation (IT may ask for more than 6). */
export function useApprovalCodeMinLength(): number {
  const { snapshot } = useApp();
  return Math.max(APPROVAL_CODE_MIN_LENGTH, snapshot.appInfo.policy.approvalCodeMinLength);
}

/** Each rule, met or not, as the person types (the same rules the core enforces). */
function ApprovalCodeRules({ id, code, account }: { id: string; code: string; account: AccountSummary }) {
  const { t } = useI18n();
  const minLength = useApprovalCodeMinLength();
  const checks = approvalCodeChecks(code, { minLength, identifier: account.identifier });
  return (
    <div className="code-rules" id={id}>
      <p>{t.approvalCode.rulesTitle}</p>
      <ul>
        {APPROVAL_CODE_RULES.map((rule) => (
          <li key={rule} className={checks[rule] ? 'rule rule-met' : 'rule'} data-rule={rule}>
            <Icon name={checks[rule] ? 'check' : 'cross'} size={16} />
            <span className="visually-hidden">{checks[rule] ? t.approvalCode.ruleMet : t.approvalCode.ruleNotMet} </span>
            {rule === 'length' ? t.approvalCode.rules.length(minLength) : t.approvalCode.rules[rule]}
          </li>
        ))}
      </ul>
    </div>
  );
}

/**
 * Choose the approval code (`set`), or change it (`change`). `then`: where to go once it is saved (the activation's
 * last screen, the request that was waiting for it, the accounts).
 */
export function ApprovalCodeScreen({ accountId, mode, then }: { accountId: string; mode: 'set' | 'change'; then: Route }) {
  const { snapshot, navigate, redirect, upsertAccount, announce } = useApp();
  const { t } = useI18n();
  const account = snapshot.accounts.find((candidate) => candidate.id === accountId);
  const minLength = useApprovalCodeMinLength();
  const [current, setCurrent] = useState('');
  const [code, setCode] = useState('');
  const [confirmation, setConfirmation] = useState('');
  const [submitted, setSubmitted] = useState(false);
  const currentField = useRef<HTMLInputElement>(null);
  const save = useAction(async (codes: { current: string; code: string }) =>
    mode === 'set'
      ? window.secureAccess.setApprovalCode({ accountId, code: codes.code })
      : window.secureAccess.changeApprovalCode({ accountId, currentCode: codes.current, newCode: codes.code }));

  useEffect(() => {
    if (!account) redirect('approvalCode', { screen: 'accounts' });
    // Chosen meanwhile (another window of the same installation): nothing left to choose.
    else if (mode === 'set' && account.approvalCodeSet) redirect('approvalCode', then);
  }, [account, mode, redirect, then]);
  if (!account) return null;
  if (account.status === 'locked') return <ApprovalsLocked account={account} />;

  const checks = approvalCodeChecks(code, { minLength, identifier: account.identifier });
  const meetsRules = Object.values(checks).every(Boolean);
  const currentProblem = mode === 'change' && submitted && !isApprovalCodeFormat(current) ? t.approvalCode.approveMissing : null;
  const codeProblem = !submitted ? null : !meetsRules ? t.approvalCode.breaksRules : mode === 'change' && code === current ? t.approvalCode.sameAsCurrent : null;
  const confirmationProblem = submitted && meetsRules && confirmation !== code ? t.approvalCode.mismatch : null;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (currentProblem || (mode === 'change' && !isApprovalCodeFormat(current)) || !meetsRules || confirmation !== code || (mode === 'change' && code === current)) return;
    const updated = await save.execute({ current, code });
    if (!updated) {
      if (mode === 'change') {
        setCurrent('');
        currentField.current?.focus();
      }
      return;
    }
    upsertAccount(updated);
    if (mode === 'change') announce(t.approvalCode.changed);
    navigate(then);
  };

  const activation = mode === 'set' && then.screen === 'activated';
  return (
    <form className="stack" onSubmit={(event) => void submit(event)} noValidate aria-busy={save.pending}>
      <ScreenTitle eyebrow={activation ? t.approvalCode.activationStep : accountLabelOf(account)}>
        {mode === 'set' ? t.approvalCode.setTitle : t.approvalCode.changeTitle}
      </ScreenTitle>
      {mode === 'set' ? (
        <>
          <p className="lead">{t.approvalCode.setIntro}</p>
          <p className="muted">{t.approvalCode.setSecurity}</p>
        </>
      ) : (
        <p className="lead">{t.approvalCode.changeIntro}</p>
      )}
      <ErrorAlert error={save.error} />
      {mode === 'change' ? (
        <Field label={t.approvalCode.currentLabel} problem={currentProblem}>
          {(props) => <CodeInput {...props} name="currentApprovalCode" autoComplete="off" inputRef={currentField} value={current} onChange={setCurrent} />}
        </Field>
      ) : null}
      <CodeField label={mode === 'set' ? t.approvalCode.codeLabel : t.approvalCode.newLabel} problem={codeProblem} rules={<ApprovalCodeRules id={`rules-${accountId}`} code={code} account={account} />} rulesId={`rules-${accountId}`}>
        {(props) => <CodeInput {...props} name="approvalCode" autoComplete="new-password" value={code} onChange={setCode} />}
      </CodeField>
      <Field label={mode === 'set' ? t.approvalCode.confirmLabel : t.approvalCode.confirmNewLabel} problem={confirmationProblem}>
        {(props) => <CodeInput {...props} name="approvalCodeConfirmation" autoComplete="new-password" value={confirmation} onChange={setConfirmation} />}
      </Field>
      <div className="actions">
        <button type="submit" className="button-primary" disabled={save.pending}>
          {save.pending ? <Spinner /> : null} {save.pending ? t.approvalCode.saving : mode === 'set' ? t.approvalCode.submitSet : t.approvalCode.submitChange}
        </button>
        {mode === 'change' ? (
          <button type="button" className="button-secondary" onClick={() => navigate(then)} disabled={save.pending}>{t.cancel}</button>
        ) : null}
      </div>
    </form>
  );
}

/** A Field whose control is also described by the rules shown under it. */
function CodeField({ label, problem, rules, rulesId, children }: {
  label: string;
  problem: string | null;
  rules: ReactNode;
  rulesId: string;
  children: (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;
}) {
  return (
    <Field label={label} problem={problem}>
      {(props) => (
        <>
          {children({ ...props, 'aria-describedby': [props['aria-describedby'], rulesId].filter(Boolean).join(' ') })}
          {rules}
        </>
      )}
    </Field>
  );
}

/**
 * The way back from locked approvals: signing in again to this account's server, as a new activation. Always as an
 * added account: the locked one is still in the list, so there is a list to go back to.
 */
export function reactivationRoute(account: AccountSummary): Route {
  return { screen: 'signIn', serverUrl: account.serverUrl, adding: true, identifier: account.identifier };
}

/** Five wrong codes: what happened, and the way back (activating again, as the installation guide says). */
export function ApprovalsLocked({ account }: { account: AccountSummary }) {
  const { navigate } = useApp();
  const { t } = useI18n();
  return (
    <div className="stack approvals-locked">
      <Notice tone="error" title={t.approvalCode.lockedTitle} role="alert">
        <p>{t.approvalCode.lockedBody}</p>
        <p>{t.approvalCode.lockedNext}</p>
      </Notice>
      <div className="actions">
        <button
          type="button"
          className="button-primary"
          onClick={() => navigate(reactivationRoute(account))}
        >
          {t.approvalCode.reactivate}
        </button>
      </div>
    </div>
  );
}

/** Above the approvals: accounts that still need their code, and accounts whose approvals are locked. */
export function ApprovalCodeBanners() {
  const { snapshot, navigate } = useApp();
  const { t } = useI18n();
  const missing = snapshot.accounts.filter((account) => account.status === 'active' && !account.approvalCodeSet);
  const locked = snapshot.accounts.filter((account) => account.status === 'locked');
  if (missing.length === 0 && locked.length === 0) return null;
  return (
    <div className="banners">
      {missing.map((account) => (
        <Notice key={account.id} tone="warning">
          <p>{t.approvalCode.bannerMissing(accountLabelOf(account))}</p>
          <button type="button" className="button-small" onClick={() => navigate({ screen: 'approvalCode', accountId: account.id, mode: 'set', then: { screen: 'inbox' } })}>
            {t.approvalCode.chooseNow}
          </button>
        </Notice>
      ))}
      {locked.map((account) => (
        <Notice key={account.id} tone="error">
          <p>{t.approvalCode.bannerLocked(accountLabelOf(account))}</p>
          <button
            type="button"
            className="button-small"
            onClick={() => navigate(reactivationRoute(account))}
          >
            {t.approvalCode.reactivate}
          </button>
        </Notice>
      ))}
    </div>
  );
}
