/** Screens 3 to 5: name this device, get an activation code, type it. Driven by the account's activation progress. */
import { useEffect, useState, type FormEvent } from 'react';
import type { AccountSummary, ActivationProgress } from '../../preload/contract';
import type { OtpChannelT } from '../../protocol/schemas';
import { ErrorAlert, Field, Icon, Notice, ScreenTitle, Spinner, TimeLeft } from '../components/common';
import {
  activationCodeLength, deviceNameProblem, displayActivationCode, hasForeignCodeCharacters, normalizeActivationCode, secondsUntil,
} from '../format';
import { useAction, useInterval, useNow } from '../hooks';
import { errorCodeOf, useI18n } from '../i18n';
import { routeAfterActivation, useApp } from '../state';

/** A screen the person asked for, ahead of what the server's state alone would show. */
type Detour = 'rename' | 'request_code' | 'enter_code' | null;

/** How often the waiting screen asks whether the code has been generated. */
const WAITING_POLL_MS = 3000;

export function ActivationFlow({ accountId }: { accountId: string }) {
  const { snapshot, redirect } = useApp();
  const [detour, setDetour] = useState<Detour>(null);
  const account = snapshot.accounts.find((candidate) => candidate.id === accountId);

  useEffect(() => {
    if (!account) redirect('activation', snapshot.accounts.length > 0 ? { screen: 'accounts' } : { screen: 'welcome', adding: false });
    else if (account.status === 'active') redirect('activation', routeAfterActivation(account));
  }, [account, accountId, redirect, snapshot.accounts.length]);

  if (!account || account.status !== 'activating' || !account.activation) return null;
  const activation = account.activation;

  if (activation.step === 'failed' || activation.enrolmentState === 'failed') return <ActivationFailed account={account} />;
  if (detour === 'rename' || activation.step === 'name_device') {
    return <NameDevice key="name" account={account} onNamed={() => setDetour(null)} />;
  }
  if (detour === 'request_code' || activation.step === 'request_code') {
    return (
      <RequestCode
        key="request"
        account={account}
        activation={activation}
        onRequested={() => setDetour(null)}
        onRename={activation.step === 'request_code' ? () => setDetour('rename') : null}
      />
    );
  }
  const waitingForCode = activation.codeDelivery !== 'security_phone' && activation.enrolmentState !== 'code_available';
  if (waitingForCode && detour !== 'enter_code') {
    return <WaitingForCode key="waiting" account={account} activation={activation} onHaveCode={() => setDetour('enter_code')} />;
  }
  return <EnterCode key="enter" account={account} activation={activation} onNewCode={() => setDetour('request_code')} />;
}

function SignedInAs({ account }: { account: AccountSummary }) {
  const { t } = useI18n();
  return (
    <p className="signed-in-as">
      <Icon name="user" size={18} />
      <span>{t.nameDevice.signedInAs(account.displayName, account.companyName)}</span>
    </p>
  );
}

/** Screen 3: "Personnalisez le nom de votre terminal". */
function NameDevice({ account, onNamed }: { account: AccountSummary; onNamed: () => void }) {
  const { snapshot, upsertAccount } = useApp();
  const { t } = useI18n();
  const [name, setName] = useState(account.deviceName || snapshot.appInfo.defaultDeviceName);
  const [submitted, setSubmitted] = useState(false);
  const save = useAction(window.secureAccess.nameDevice);
  const problem = deviceNameProblem(name);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (problem) return;
    const updated = await save.execute({ accountId: account.id, deviceName: name.trim() });
    if (!updated) return;
    upsertAccount(updated);
    onNamed();
  };

  return (
    <form className="stack" onSubmit={(event) => void submit(event)} noValidate aria-busy={save.pending}>
      <ScreenTitle eyebrow={t.nameDevice.step}>{t.nameDevice.title}</ScreenTitle>
      <SignedInAs account={account} />
      <p className="lead">{t.nameDevice.intro}</p>
      <ErrorAlert error={save.error} />
      <Field label={t.nameDevice.label} hint={t.nameDevice.hint} problem={submitted && problem ? t.nameDevice.problems[problem] : null}>
        {(props) => (
          <input {...props} name="deviceName" autoComplete="off" value={name} onChange={(event) => setName(event.target.value)} />
        )}
      </Field>
      <div className="actions">
        <button type="submit" className="button-primary" disabled={save.pending}>
          {save.pending ? <Spinner /> : null} {t.nameDevice.submit}
        </button>
      </div>
    </form>
  );
}

/** Screen 4: SMS or voice to the Security Phone; or a request for a code from Administration / the administrator. */
function RequestCode({ account, activation, onRequested, onRename }: {
  account: AccountSummary;
  activation: ActivationProgress;
  onRequested: () => void;
  onRename: (() => void) | null;
}) {
  const { upsertAccount } = useApp();
  const { t } = useI18n();
  const [channel, setChannel] = useState<OtpChannelT>(activation.channel ?? 'sms');
  const request = useAction(window.secureAccess.requestActivationCode);
  const bySecurityPhone = activation.codeDelivery === 'security_phone';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const updated = await request.execute({ accountId: account.id, channel: bySecurityPhone ? channel : null });
    if (!updated) return;
    upsertAccount(updated);
    onRequested();
  };

  return (
    <form className="stack" onSubmit={(event) => void submit(event)} aria-busy={request.pending}>
      <ScreenTitle eyebrow={t.requestCode.step}>{t.requestCode.title}</ScreenTitle>
      <SignedInAs account={account} />
      <ErrorAlert error={request.error} />
      {bySecurityPhone ? (
        <>
          <p className="lead">{t.requestCode.securityPhoneIntro}</p>
          <p className="phone">
            <Icon name="phone" size={22} />
            <span className="visually-hidden">{t.requestCode.noPhone} </span>
            <span className="mono">{activation.securityPhoneMasked ?? '—'}</span>
          </p>
          <fieldset className="choices">
            <legend>{t.requestCode.channelLegend}</legend>
            {(['sms', 'voice'] as const).map((option) => (
              <label key={option} className="choice">
                <input type="radio" name="channel" value={option} checked={channel === option} onChange={() => setChannel(option)} />
                <span>{t.requestCode[option]}</span>
              </label>
            ))}
          </fieldset>
          <p className="muted">
            <Icon name="clock" size={16} /> {t.requestCode.validity5min}
          </p>
        </>
      ) : (
        <>
          <p className="lead">{activation.codeDelivery === 'administration' ? t.requestCode.administrationIntro : t.requestCode.administratorIntro}</p>
          <DeviceNameCard account={account} />
        </>
      )}
      <div className="actions">
        <button type="submit" className="button-primary" disabled={request.pending}>
          {request.pending ? (
            <>
              <Spinner /> {bySecurityPhone ? t.requestCode.sending : t.requestCode.asking}
            </>
          ) : bySecurityPhone ? t.requestCode.send : t.requestCode.ask}
        </button>
        {onRename ? (
          <button type="button" className="button-secondary" onClick={onRename}>{t.requestCode.rename}</button>
        ) : null}
      </div>
    </form>
  );
}

function DeviceNameCard({ account }: { account: AccountSummary }) {
  const { t } = useI18n();
  return (
    <div className="device-name-card">
      <p className="label">{t.requestCode.deviceName}</p>
      <p className="device-name">{account.deviceName}</p>
    </div>
  );
}

/** Screen 4, after the request: the code comes from Administration or from the administrator; we watch for it. */
function WaitingForCode({ account, activation, onHaveCode }: { account: AccountSummary; activation: ActivationProgress; onHaveCode: () => void }) {
  const { upsertAccount, announce } = useApp();
  const { t } = useI18n();
  const refresh = useAction(window.secureAccess.refreshActivation);
  const fromAdministrator = activation.codeDelivery === 'administrator';
  const wording = fromAdministrator ? t.waiting.administrator : t.waiting.administration;

  const check = async (byHand: boolean) => {
    const updated = await refresh.execute({ accountId: account.id });
    if (!updated) return;
    upsertAccount(updated);
    if (byHand && updated.activation?.enrolmentState !== 'code_available') announce(t.waiting.checked);
  };
  useInterval(() => void check(false), WAITING_POLL_MS, !refresh.pending);

  return (
    <div className="stack">
      <ScreenTitle eyebrow={t.requestCode.step}>{wording.title}</ScreenTitle>
      <SignedInAs account={account} />
      {fromAdministrator ? (
        <>
          <p className="lead">{t.waiting.administrator.intro}</p>
          <p>{t.waiting.administrator.tellThem}</p>
        </>
      ) : (
        <ol className="steps">
          {t.waiting.administration.steps.map((step) => <li key={step}>{step}</li>)}
        </ol>
      )}
      <DeviceNameCard account={account} />
      <p className="muted">
        <Icon name="clock" size={16} /> {t.waiting.validity}
      </p>
      <p className="waiting-line" role="status">
        <Spinner /> {t.waiting.watching}
      </p>
      {refresh.error && errorCodeOf(refresh.error) !== 'server_unreachable' ? <ErrorAlert error={refresh.error} /> : null}
      <div className="actions">
        <button type="button" className="button-primary" onClick={onHaveCode}>{wording.haveCode}</button>
        <button type="button" className="button-secondary" onClick={() => void check(true)} disabled={refresh.pending}>{t.waiting.refresh}</button>
      </div>
    </div>
  );
}

/** Screen 5: the 8-digit code (SMS/voice, 5 minutes) or the 12-character code from Administration (24 hours). */
function EnterCode({ account, activation, onNewCode }: { account: AccountSummary; activation: ActivationProgress; onNewCode: () => void }) {
  const { upsertAccount, navigate } = useApp();
  const { t } = useI18n();
  const now = useNow();
  const format = activation.codeFormat;
  const [code, setCode] = useState('');
  const [foreign, setForeign] = useState(false);
  const [submitted, setSubmitted] = useState(false);
  const submit = useAction(window.secureAccess.submitActivationCode);
  const length = activationCodeLength(format);

  const expiresAt = useValidityEnd(activation);
  const expired = expiresAt !== null && secondsUntil(expiresAt, now) === 0;
  const errorCode = errorCodeOf(submit.error);
  const codeIsDead = expired || errorCode === 'activation_code_expired' || errorCode === 'activation_code_used';
  const bySecurityPhone = activation.codeDelivery === 'security_phone';

  const intro = bySecurityPhone
    ? (activation.channel === 'voice' ? t.enterCode.introVoice : t.enterCode.introSms)(activation.securityPhoneMasked ?? '—')
    : activation.codeDelivery === 'administration' ? t.enterCode.introAdministration : t.enterCode.introAdministrator;

  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setSubmitted(true);
    if (code.length !== length) return;
    const updated = await submit.execute({ accountId: account.id, code });
    if (!updated) {
      setCode('');
      return;
    }
    upsertAccount(updated);
    if (updated.status === 'active') navigate(routeAfterActivation(updated));
  };

  // Refreshes the progress after a failure, so attempts left and a cancelled activation show at once.
  useEffect(() => {
    if (!submit.error) return;
    void window.secureAccess.refreshActivation({ accountId: account.id }).then(upsertAccount, () => undefined);
  }, [submit.error, account.id, upsertAccount]);

  const problem = submitted && code.length !== length && !submit.error ? t.enterCode.incomplete(length) : null;

  return (
    <form className="stack" onSubmit={(event) => void onSubmit(event)} noValidate aria-busy={submit.pending}>
      <ScreenTitle eyebrow={t.enterCode.step}>{t.enterCode.title}</ScreenTitle>
      <SignedInAs account={account} />
      <p className="lead">{intro}</p>
      {activation.codeDelivery === 'administration' ? (
        <>
          <ol className="steps">
            {t.waiting.administration.steps.map((step) => <li key={step}>{step}</li>)}
          </ol>
          <DeviceNameCard account={account} />
        </>
      ) : null}
      <ErrorAlert error={submit.error} title={errorCode === 'device_limit_reached' ? t.enterCode.deviceLimitTitle : undefined} />
      <Field
        label={format === 'digits8' ? t.enterCode.labelDigits : t.enterCode.labelGrouped}
        hint={foreign ? t.enterCode.foreignCharacters : format === 'digits8' ? t.enterCode.hintDigits : t.enterCode.hintGrouped}
        problem={problem}
      >
        {(props) => (
          <input
            {...props}
            name="activationCode"
            className={`code-input code-${format}`}
            inputMode={format === 'digits8' ? 'numeric' : 'text'}
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            value={displayActivationCode(code, format)}
            placeholder={format === 'digits8' ? '0000 0000' : 'XXXX-XXXX-XXXX'}
            onChange={(event) => {
              setForeign(hasForeignCodeCharacters(event.target.value, format));
              setCode(normalizeActivationCode(event.target.value, format));
            }}
          />
        )}
      </Field>
      <div className="code-status">
        {expiresAt === null ? (
          <p className="muted">{t.enterCode.validityUnknown}</p>
        ) : expired ? (
          <p className="time-left time-left-urgent" role="status"><Icon name="clock" size={16} /> {t.enterCode.expired}</p>
        ) : (
          <p><Icon name="clock" size={16} /> <TimeLeft expiresAt={expiresAt} now={now} format={t.enterCode.validFor} /></p>
        )}
        {submit.error ? <p className="muted">{t.enterCode.attemptsLeft(activation.attemptsLeft)}</p> : null}
      </div>
      {codeIsDead && !bySecurityPhone ? <Notice tone="info"><p>{t.enterCode.askAdministrator}</p></Notice> : null}
      <div className="actions">
        <button type="submit" className={codeIsDead && bySecurityPhone ? 'button-secondary' : 'button-primary'} disabled={submit.pending}>
          {submit.pending ? (
            <>
              <Spinner /> {t.enterCode.submitting}
            </>
          ) : t.enterCode.submit}
        </button>
        {bySecurityPhone ? (
          <button type="button" className={codeIsDead ? 'button-primary first' : 'button-secondary'} onClick={onNewCode}>{t.enterCode.newCode}</button>
        ) : null}
      </div>
    </form>
  );
}

/**
 * When the code stops working: the server's expiry, but never later than the code's validity counted from when this
 * screen first saw it, so a computer whose clock is off does not show a 5-minute code as valid for an hour.
 */
function useValidityEnd(activation: ActivationProgress): string | null {
  const { codeExpiresAt, codeValiditySeconds } = activation;
  const [firstSeen, setFirstSeen] = useState<{ expiresAt: string; at: number } | null>(null);
  useEffect(() => {
    if (codeExpiresAt && firstSeen?.expiresAt !== codeExpiresAt) setFirstSeen({ expiresAt: codeExpiresAt, at: Date.now() });
  }, [codeExpiresAt, firstSeen]);
  if (!codeExpiresAt) return null;
  const seenAt = firstSeen?.expiresAt === codeExpiresAt ? firstSeen.at : Date.now();
  const latest = seenAt + codeValiditySeconds * 1000;
  return Date.parse(codeExpiresAt) > latest ? new Date(latest).toISOString() : codeExpiresAt;
}

function ActivationFailed({ account }: { account: AccountSummary }) {
  const { navigate, removeAccountLocally } = useApp();
  const { t } = useI18n();
  const remove = useAction(async (accountId: string) => {
    await window.secureAccess.removeAccount({ accountId });
    return true;
  });
  const restart = async () => {
    if (!(await remove.execute(account.id))) return;
    removeAccountLocally(account.id);
    navigate({ screen: 'signIn', serverUrl: account.serverUrl, adding: false });
  };
  return (
    <div className="stack">
      <ScreenTitle>{t.failed.title}</ScreenTitle>
      <SignedInAs account={account} />
      <Notice tone="warning"><p>{t.failed.body}</p></Notice>
      <ErrorAlert error={remove.error} />
      <div className="actions">
        <button type="button" className="button-primary" onClick={() => void restart()} disabled={remove.pending}>{t.failed.restart}</button>
      </div>
    </div>
  );
}
