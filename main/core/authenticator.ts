/**
 * The authenticator: accounts, the activation flow, the inbox and decisions, behind one handler per bridge method.
 *
 * Keys: generated here with @noble/ed25519 (protocol/signing.ts), handed to the KeyVault at once and the buffer
 * zeroed; from then on the core only asks the vault to sign. Nothing the core returns, emits, logs or stores holds
 * key material, the secret code or an activation code.
 *
 * Activation, resumable after a restart (the enrolment's last state is saved with the account):
 *   startActivation (identifier + secret code; key generated; enrolment created under the proposed device name)
 *   → nameDevice → requestActivationCode (SMS/voice to the Security Phone, from Administration, or a request to the
 *   administrator) → [refreshActivation while waiting] → submitActivationCode → active.
 * Enrolment-phase requests are signed with the enrolment id as key id, later ones with the device id.
 *
 * Removing an account: an active device is first deactivated on the server; when the server cannot be reached the
 * account is removed from this installation anyway (the key is deleted, so the device can never sign again) and
 * the device stays listed in the Espace Client until an administrator revokes it. This is logged.
 *
 * The approval code (approval-key.ts): chosen right after activation (or, for an account activated before codes
 * existed, before its next approval), typed at every approval, changed with the current one. It reaches the core
 * once per approval and goes no further: it unmasks the account's approval key, which signs next to the device key,
 * and the server alone can tell whether it was the right one. Five wrong ones in a row lock the device's approvals
 * (the account shows as locked; its person activates again, which removes the locked device on the server).
 */
import {
  APPROVAL_CODE_MIN_LENGTH, approvalCodeProblem, approvalKeyChangeSigningBytes, approvalSigningBytes, decisionSigningBytes, detailsHash,
  generateSecretKey, isApprovalCodeFormat, isWellFormedCode, normalizeCode, publicKeyOf, toBase64Url, type EnrolmentViewT,
} from '../../protocol/index';
import type {
  AccountSummary, ValidationOutcome, ActivationProgress, AppInfo, BridgeEventName, DecisionResult, NavigationTarget,
  PendingValidation, PolicyInForce, Settings, Snapshot,
} from '../../preload/contract';
import type { AuthenticatorCore, CoreEvents, CoreHandlers } from './api';
import { APPROVAL_KDF, createApprovalKey, withApprovalKey, type ApprovalKdf } from './approval-key';
import { ApiClient, type RequestSigner } from './api-client';
import { CoreError, errorCode } from './errors';
import { EventHub } from './events';
import { Inbox, type InboxOptions } from './inbox';
import { parseInput } from './inputs';
import type { Clock, HttpTransport, KeyVault, Logger, SettingsStore } from './ports';
import { normalizeServerUrl, type ServerUrlRules } from '../../protocol/server-url';
import { loadPersistedState, type PersistedStateT, type StoredAccountT } from './state';

export interface AuthenticatorDeps {
  vault: KeyVault;
  store: SettingsStore<PersistedStateT>;
  transport: HttpTransport;
  clock: Clock;
  logger: Logger;
  /** `bankServerUrl`: the address built into the installer, the default for a new account unless IT's policy says otherwise. */
  appInfo: Omit<AppInfo, 'policy' | 'bankServerUrl'> & { bankServerUrl?: string | null };
  /** What IT's managed configuration sets; NO_POLICY when there is none. */
  policy?: PolicyInForce;
  /** Accept plain-http servers on this computer's loopback: development builds and tests only, never a packaged app. */
  allowLoopbackHttp?: boolean;
  /** Jitter source for the backoff; Math.random unless a test fixes it. */
  random?: () => number;
  inbox?: Partial<InboxOptions>;
  /**
   * The cost of deriving the approval code's key for new codes (APPROVAL_KDF unless given). Unit tests and the
   * benchmark's simulated desktops ask for less; the cost of a stored key travels with it.
   */
  approvalKdf?: ApprovalKdf;
}

export const NO_POLICY: PolicyInForce = Object.freeze({
  source: null, serverUrl: null, serverUrlLocked: false, allowAdditionalServers: true, startAtLogin: null, updatesEnabled: true,
  approvalCodeMinLength: APPROVAL_CODE_MIN_LENGTH, errors: [],
});

const FALLBACK_DEVICE_NAME = 'Secure Access';
const DEVICE_NAME_MAX = 64;
/** Errors after which the enrolment's state on the server may have moved (attempts, code state): fetched again. */
const REFRESH_AFTER = new Set(['activation_code_invalid', 'activation_code_expired', 'activation_code_used', 'activation_attempts_exhausted', 'activation_code_not_issued', 'device_limit_reached']);

export function createAuthenticator(deps: AuthenticatorDeps): AuthenticatorCore {
  return new Authenticator(deps);
}

/** The proposed device name, made acceptable to the server (one printable line, at most 64 characters). */
export function proposedDeviceName(name: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const cleaned = name.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim();
  return [...cleaned].slice(0, DEVICE_NAME_MAX).join('').trim() || FALLBACK_DEVICE_NAME;
}

function newAccountId(): string {
  return `acc_${toBase64Url(crypto.getRandomValues(new Uint8Array(12)))}`;
}

class Authenticator implements AuthenticatorCore {
  readonly handlers: CoreHandlers;
  readonly #deps: AuthenticatorDeps;
  readonly #policy: PolicyInForce;
  readonly #policyServerUrl: string | null;
  readonly #bankServerUrl: string | null;
  readonly #serverUrlRules: ServerUrlRules;
  readonly #api: ApiClient;
  readonly #inbox: Inbox;
  readonly #events: EventHub<CoreEvents>;
  readonly #state: PersistedStateT;
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #lastEmitted = new Map<BridgeEventName, string>();
  #started = false;
  #background: AbortController | null = null;
  #backgroundDone: Promise<void> = Promise.resolve();

  constructor(deps: AuthenticatorDeps) {
    this.#deps = deps;
    this.#policy = structuredClone(deps.policy ?? NO_POLICY);
    this.#serverUrlRules = { allowLoopbackHttp: deps.allowLoopbackHttp === true };
    this.#policyServerUrl = this.#policy.serverUrl ? normalizeServerUrl(this.#policy.serverUrl, this.#serverUrlRules) : null;
    if (this.#policy.serverUrl && !this.#policyServerUrl) {
      deps.logger.warn('the policy server address is not acceptable and is ignored', { serverUrl: this.#policy.serverUrl });
    }
    this.#bankServerUrl = deps.appInfo.bankServerUrl ? normalizeServerUrl(deps.appInfo.bankServerUrl, this.#serverUrlRules) : null;
    if (deps.appInfo.bankServerUrl && !this.#bankServerUrl) {
      deps.logger.warn('the server address built into this installer is not acceptable and is ignored', { serverUrl: deps.appInfo.bankServerUrl });
    }
    this.#api = new ApiClient({ transport: deps.transport, clock: deps.clock, logger: deps.logger });
    this.#events = new EventHub<CoreEvents>(deps.logger);
    this.#state = loadPersistedState(deps.store, deps.logger);
    this.#inbox = new Inbox({
      api: this.#api,
      clock: deps.clock,
      logger: deps.logger,
      random: deps.random ?? Math.random,
      options: deps.inbox,
      onPendingChanged: () => this.#emit('onPendingChanged', this.#inbox.pending()),
      onConnectivityChanged: () => this.#emit('onConnectivityChanged', this.#inbox.connectivity()),
      onRevoked: (accountId) => void this.#markRevoked(accountId),
      onLocked: (accountId) => void this.#markLocked(accountId),
      onActiveDevices: (accountId, activeDevices) => this.#noteActiveDevices(accountId, activeDevices),
    });
    this.handlers = this.#buildHandlers();
  }

  // ------------------------------------------------------------------ AuthenticatorCore

  on<E extends BridgeEventName>(event: E, listener: (payload: CoreEvents[E]) => void): () => void {
    return this.#events.on(event, listener);
  }

  async start(): Promise<void> {
    if (this.#started) return;
    this.#started = true;
    await this.#removeOrphanKeys();
    for (const account of this.#state.accounts) {
      if (account.status === 'active') this.#startLoop(account);
    }
    this.#background = new AbortController();
    this.#backgroundDone = this.#refreshAll(this.#background.signal);
  }

  async stop(): Promise<void> {
    this.#started = false;
    this.#background?.abort();
    this.#background = null;
    await Promise.all([this.#inbox.stopAll(), this.#backgroundDone]);
  }

  pendingNow(): PendingValidation[] {
    return this.#inbox.pending();
  }

  navigate(target: NavigationTarget): void {
    this.#events.emit('onNavigate', target);
  }

  // ------------------------------------------------------------------ handlers

  #buildHandlers(): CoreHandlers {
    return {
      getSnapshot: async (input) => {
        parseInput('getSnapshot', input);
        return this.#snapshot();
      },
      startActivation: async (input) => this.#startActivation(parseInput('startActivation', input)),
      nameDevice: async (input) => {
        const { accountId, deviceName } = parseInput('nameDevice', input);
        return this.#exclusive(accountId, async () => {
          const account = this.#activating(accountId);
          const { enrolment } = await this.#api.call(account.serverUrl, 'renameEnrolment', {
            params: { id: this.#enrolmentOf(account).id }, body: { deviceName }, signer: this.#signer(account),
          });
          this.#applyEnrolment(account, enrolment);
          account.deviceNamed = true;
          this.#deps.logger.info('device named', { accountId });
          return this.#saveAndSummarize(account);
        });
      },
      requestActivationCode: async (input) => {
        const { accountId, channel } = parseInput('requestActivationCode', input);
        return this.#exclusive(accountId, async () => {
          const account = this.#activating(accountId);
          // The path can change while the app waits (the administrator's other device was revoked): ask again first.
          if (!channelFits(this.#enrolmentOf(account), channel)) await this.#refreshEnrolment(account);
          const enrolment = this.#enrolmentOf(account);
          if (!channelFits(enrolment, channel)) {
            throw new CoreError('invalid_input', channel === null ? 'Choose SMS or voice.' : 'This code does not go to the Security Phone.', { field: 'channel' });
          }
          const response = await this.#api.call(account.serverUrl, 'requestActivationCode', {
            params: { id: enrolment.id }, body: channel ? { channel } : {}, signer: this.#signer(account),
          }).catch(async (error: unknown) => {
            // The bank says the path is another one now: show the screen for that path, and say why it changed.
            if (!pathRefused(error)) throw error;
            await this.#refreshEnrolment(account).catch(() => undefined);
            if (this.#enrolmentOf(account).codeDelivery === enrolment.codeDelivery) throw error;
            throw new CoreError('activation_path_changed', 'Your activation code now comes another way: follow the steps shown.', { field: 'channel' });
          });
          this.#applyEnrolment(account, response.enrolment);
          account.deviceNamed = true;
          this.#deps.logger.info('activation code requested', { accountId, delivery: enrolment.codeDelivery, channel });
          return this.#saveAndSummarize(account);
        });
      },
      refreshActivation: async (input) => {
        const { accountId } = parseInput('refreshActivation', input);
        return this.#exclusive(accountId, async () => {
          const account = this.#account(accountId);
          if (account.status === 'activating') await this.#refreshEnrolment(account);
          return this.#summary(account);
        });
      },
      submitActivationCode: async (input) => {
        const { accountId, code } = parseInput('submitActivationCode', input);
        return this.#exclusive(accountId, () => this.#submitActivationCode(accountId, code));
      },
      removeAccount: async (input) => {
        const { accountId } = parseInput('removeAccount', input);
        await this.#exclusive(accountId, () => this.#removeAccount(accountId));
      },
      setApprovalCode: async (input) => {
        const parsed = parseInput('setApprovalCode', input);
        return this.#exclusive(parsed.accountId, () => this.#setApprovalCode(parsed));
      },
      changeApprovalCode: async (input) => {
        const parsed = parseInput('changeApprovalCode', input);
        return this.#exclusive(parsed.accountId, () => this.#changeApprovalCode(parsed));
      },
      listPending: async (input) => {
        parseInput('listPending', input);
        return this.#inbox.pending();
      },
      decide: async (input) => {
        const parsed = parseInput('decide', input);
        return this.#exclusive(parsed.accountId, () => this.#decide(parsed));
      },
      checkNow: async (input) => {
        parseInput('checkNow', input);
        await this.#inbox.checkNow();
      },
      updateSettings: async (input) => this.#updateSettings(parseInput('updateSettings', input)),
      validationOutcome: async (input) => this.#validationOutcome(parseInput('validationOutcome', input)),
    };
  }

  async #validationOutcome(input: { accountId: string; validationId: string }): Promise<ValidationOutcome> {
    const account = this.#account(input.accountId);
    if (account.status !== 'active' || !account.deviceId) throw new CoreError('validation_not_pending', 'This account has no active device.');
    const outcome = await this.#api.call(account.serverUrl, 'validationOutcome', { params: { id: input.validationId }, signer: this.#signer(account) });
    return {
      accountId: account.id,
      validationId: outcome.id,
      status: outcome.status,
      decidedAt: outcome.decidedAt,
      deviceName: outcome.decidedByDevice?.name ?? null,
      decidedHere: outcome.decidedByDevice?.id === account.deviceId,
    };
  }

  async #startActivation(input: { serverUrl: string; identifier: string; secretCode: string }): Promise<AccountSummary> {
    const serverUrl = this.#acceptServerUrl(input.serverUrl);
    const sameAccount = (account: StoredAccountT) =>
      account.serverUrl === serverUrl && account.identifier.toLowerCase() === input.identifier.toLowerCase();
    return this.#exclusive(`new:${serverUrl}|${input.identifier.toLowerCase()}`, async () => {
      const existing = this.#state.accounts.find(sameAccount);
      if (existing?.status === 'active') {
        throw new CoreError('account_already_added', 'This account is already active on this computer.');
      }
      const accountId = newAccountId();
      const secretKey = generateSecretKey();
      let publicKey: string;
      try {
        publicKey = toBase64Url(publicKeyOf(secretKey));
        await this.#storeKey(accountId, secretKey);
      } finally {
        secretKey.fill(0);
      }
      let enrolment: EnrolmentViewT;
      try {
        ({ enrolment } = await this.#api.call(serverUrl, 'createEnrolment', {
          body: {
            identifier: input.identifier,
            secretCode: input.secretCode,
            deviceName: proposedDeviceName(this.#deps.appInfo.defaultDeviceName),
            publicKey,
            platform: this.#deps.appInfo.platform,
            appVersion: this.#deps.appInfo.version.slice(0, 32),
          },
        }));
      } catch (error) {
        await this.#deleteKey(accountId);
        this.#deps.logger.info('sign-in for activation refused', { server: serverUrl, error: errorCode(error) });
        throw error;
      }
      // A previous attempt for the same person (abandoned, failed, revoked, or locked after wrong approval codes) gives
      // way to this one; a locked device is also removed on the server, where it would otherwise stay listed.
      const previous = this.#state.accounts.find(sameAccount);
      if (previous?.status === 'locked') await this.#deactivateOnServer(previous);
      if (previous) await this.#forget(previous, 'replaced by a new activation');
      const now = new Date(this.#deps.clock.now()).toISOString();
      const account: StoredAccountT = {
        id: accountId,
        serverUrl,
        identifier: enrolment.holder.identifier,
        userId: enrolment.holder.userId,
        displayName: enrolment.holder.displayName,
        companyName: enrolment.holder.companyName,
        role: enrolment.holder.role,
        deviceName: enrolment.deviceName,
        deviceNamed: false,
        deviceId: null,
        status: 'activating',
        enrolment,
        activeDevices: enrolment.activeDevices,
        maxDevices: enrolment.maxDevices,
        createdAt: now,
        activatedAt: null,
        revokedAt: null,
      };
      this.#state.accounts.push(account);
      this.#deps.logger.info('activation started', { accountId, server: serverUrl, delivery: enrolment.codeDelivery });
      return this.#saveAndSummarize(account);
    });
  }

  async #submitActivationCode(accountId: string, typed: string): Promise<AccountSummary> {
    const account = this.#activating(accountId);
    const enrolment = this.#enrolmentOf(account);
    const code = normalizeCode(typed);
    if (!isWellFormedCode(code, enrolment.codeFormat)) {
      // Caught here, so a typo does not cost one of the code's attempts.
      throw new CoreError('invalid_input', 'This is not an activation code of the expected format.', { field: 'code' });
    }
    let response;
    try {
      response = await this.#api.call(account.serverUrl, 'activate', { params: { id: enrolment.id }, body: { code }, signer: this.#signer(account) });
    } catch (error) {
      const failure = errorCode(error);
      this.#deps.logger.info('activation code refused', { accountId, error: failure });
      if (failure && REFRESH_AFTER.has(failure)) {
        if (error instanceof CoreError && error.facts.attemptsLeft !== undefined) enrolment.attemptsLeft = error.facts.attemptsLeft;
        await this.#refreshEnrolment(account).catch((refreshError: unknown) => {
          this.#deps.logger.warn('could not refresh the activation after a refused code', { accountId, error: errorCode(refreshError) });
        });
        // "Already used" by this very device: its answer was lost on the way back (connection cut). It is active.
        if (account.status === 'active') {
          this.#deps.logger.info('the activation had gone through; its answer was lost', { accountId });
          return this.#summary(account);
        }
        this.#save();
        this.#emitAccounts();
      }
      throw error;
    }
    const { device } = response;
    account.deviceName = device.name;
    account.activatedAt = device.activatedAt;
    this.#deps.logger.info('device activated', { accountId, deviceId: device.id });
    return this.#becomeActive(account, device.id, response.enrolment);
  }

  /** The enrolment became a device: from now on the account signs with the device id and waits for validations. */
  #becomeActive(account: StoredAccountT, deviceId: string, enrolment: EnrolmentViewT): AccountSummary {
    account.status = 'active';
    account.deviceId = deviceId;
    account.activatedAt ??= new Date(this.#deps.clock.now()).toISOString();
    account.enrolment = null;
    account.activeDevices = enrolment.activeDevices;
    account.maxDevices = enrolment.maxDevices;
    const summary = this.#saveAndSummarize(account);
    if (this.#started) this.#startLoop(account);
    return summary;
  }

  async #removeAccount(accountId: string): Promise<void> {
    const account = this.#account(accountId);
    // The loop stops first, so the server's answer to our own deactivation is not taken for a revocation.
    await this.#inbox.stopAccount(account.id);
    await this.#deactivateOnServer(account);
    await this.#forget(account, 'removed by the user');
  }

  /** Removes this computer's device from the server (an active one, or one whose approvals are locked); best effort. */
  async #deactivateOnServer(account: StoredAccountT): Promise<void> {
    if ((account.status !== 'active' && account.status !== 'locked') || !account.deviceId) return;
    try {
      await this.#api.call(account.serverUrl, 'removeSelf', { signer: this.#signer(account) });
      this.#deps.logger.info('device deactivated on the server', { accountId: account.id });
    } catch (error) {
      this.#deps.logger.warn('could not deactivate the device on the server; removing it from this computer anyway', {
        accountId: account.id, error: errorCode(error) ?? 'internal_error',
      });
    }
  }

  /** An account that may use its approval code now: active, with its device on the server. */
  #approving(accountId: string): StoredAccountT & { deviceId: string } {
    const account = this.#account(accountId);
    if (account.status === 'locked') throw new CoreError('approval_code_locked', 'Approvals are locked for this account on this computer.');
    if (account.status === 'revoked') throw new CoreError('device_revoked', 'This device was revoked.');
    if (account.status !== 'active' || !account.deviceId) throw new CoreError('enrolment_closed', 'This account is not active yet.');
    return account as StoredAccountT & { deviceId: string };
  }

  /** A new code must meet every rule (the screen shows them as the person types; this is the word that counts). */
  #checkNewCode(account: StoredAccountT, code: string): void {
    const minLength = Math.max(APPROVAL_CODE_MIN_LENGTH, this.#policy.approvalCodeMinLength);
    const problem = approvalCodeProblem(code, { minLength, identifier: account.identifier });
    if (problem) throw new CoreError('approval_code_too_weak', `This approval code breaks the rule "${problem}".`, { field: problem });
  }

  async #setApprovalCode(input: { accountId: string; code: string }): Promise<AccountSummary> {
    const account = this.#approving(input.accountId);
    if (account.approvalKey) throw new CoreError('approval_code_already_set', 'This account already has its approval code: change it with the current one.');
    this.#checkNewCode(account, input.code);
    const created = await createApprovalKey(input.code, account.deviceId, this.#nowIso(), this.#deps.approvalKdf ?? APPROVAL_KDF);
    try {
      await this.#api.call(account.serverUrl, 'registerApprovalKey', {
        body: { publicKey: created.publicKey, signature: created.signature }, signer: this.#signer(account),
      });
    } catch (error) {
      await this.#afterApprovalRefusal(account, error, 'approval code not registered');
      throw error;
    }
    account.approvalKey = created.record;
    this.#deps.logger.info('approval code set', { accountId: account.id });
    return this.#saveAndSummarize(account);
  }

  async #changeApprovalCode(input: { accountId: string; currentCode: string; newCode: string }): Promise<AccountSummary> {
    const account = this.#approving(input.accountId);
    const current = account.approvalKey;
    if (!current) throw new CoreError('approval_code_not_set', 'Choose the approval code of this account first.');
    if (!isApprovalCodeFormat(input.currentCode)) throw new CoreError('invalid_input', 'The current approval code has 6 to 12 digits.', { field: 'currentCode' });
    this.#checkNewCode(account, input.newCode);
    if (input.newCode === input.currentCode) throw new CoreError('invalid_input', 'The new approval code must differ from the current one.', { field: 'newCode' });
    const signedAt = Math.round(this.#api.serverNow(account.serverUrl));
    const created = await createApprovalKey(input.newCode, account.deviceId, this.#nowIso(), this.#deps.approvalKdf ?? APPROVAL_KDF);
    const previousSignature = await withApprovalKey(current, input.currentCode, (sign) =>
      toBase64Url(sign(approvalKeyChangeSigningBytes({ deviceId: account.deviceId, publicKey: created.publicKey, signedAt }))));
    try {
      await this.#api.call(account.serverUrl, 'changeApprovalKey', {
        body: { publicKey: created.publicKey, signature: created.signature, signedAt, previousSignature }, signer: this.#signer(account),
      });
    } catch (error) {
      await this.#afterApprovalRefusal(account, error, 'approval code not changed');
      throw error;
    }
    account.approvalKey = created.record;
    this.#deps.logger.info('approval code changed', { accountId: account.id });
    return this.#saveAndSummarize(account);
  }

  /** What a refused approval code (or key) says about the account: locked, revoked, or without a key on the server. */
  async #afterApprovalRefusal(account: StoredAccountT, error: unknown, message: string): Promise<void> {
    const code = errorCode(error);
    this.#deps.logger.info(message, {
      accountId: account.id, error: code ?? 'internal_error', ...(error instanceof CoreError && error.facts.attemptsLeft !== undefined ? { attemptsLeft: error.facts.attemptsLeft } : {}),
    });
    if (code === 'approval_code_locked') await this.#markLocked(account.id);
    else if (code === 'device_revoked') await this.#markRevoked(account.id);
    else if (code === 'approval_code_not_set' && account.approvalKey) {
      // The bank has no approval key for this device (its records were restored, say): the code is chosen again.
      this.#deps.logger.warn('the server has no approval key for this device: the approval code must be chosen again', { accountId: account.id });
      account.approvalKey = null;
      this.#save();
      this.#emitAccounts();
    }
  }

  #nowIso(): string {
    return new Date(this.#deps.clock.now()).toISOString();
  }

  async #decide(input: { accountId: string; validationId: string; decision: 'approve' | 'reject'; numberChoice: number | null; approvalCode: string | null }): Promise<DecisionResult> {
    const account = this.#account(input.accountId);
    if (account.status === 'revoked') throw new CoreError('device_revoked', 'This device was revoked.');
    if (account.status === 'locked') throw new CoreError('approval_code_locked', 'Approvals are locked for this account on this computer.');
    const stored = account.status === 'active' ? this.#inbox.find(account.id, input.validationId) : undefined;
    if (!stored || !account.deviceId) {
      const reason = this.#inbox.closedReason(account.id, input.validationId);
      if (reason === 'expired') throw new CoreError('validation_expired', 'This request has expired.');
      if (reason) throw new CoreError('validation_already_decided', 'This request has already been dealt with.');
      throw new CoreError('validation_not_pending', 'This request is not pending.');
    }
    const { validation } = stored;
    // A rejection needs no number: whatever came with it is not signed.
    const numberChoice = input.decision === 'reject' ? null : input.numberChoice;
    checkNumberChoice(validation.kind, validation.numberChoices, input.decision, numberChoice);
    // An approval needs the person's code; a rejection can only refuse, and carries none.
    const approving = input.decision === 'approve';
    const approvalKey = account.approvalKey ?? null;
    if (approving && !approvalKey) throw new CoreError('approval_code_not_set', 'Choose the approval code of this account first.');
    if (approving && (input.approvalCode === null || !isApprovalCodeFormat(input.approvalCode))) {
      throw new CoreError('invalid_input', 'Type the approval code: 6 to 12 digits.', { field: 'approvalCode' });
    }
    if (!approving && input.approvalCode !== null) throw new CoreError('invalid_input', 'A rejection needs no approval code.', { field: 'approvalCode' });
    // Hashed over the core's own copy, as delivered and shown: nothing the renderer sends goes into what is signed.
    const hash = detailsHash(validation.details);
    if (hash !== validation.detailsHash) throw new CoreError('details_mismatch', 'The details of this request are inconsistent.');
    const decidedAt = Math.round(this.#api.serverNow(account.serverUrl));
    const signed = { validationId: validation.id, validationNonce: validation.nonce, detailsHash: hash, deviceId: account.deviceId, decidedAt, numberChoice };
    const signature = await this.#sign(account.id, decisionSigningBytes({ ...signed, decision: input.decision }));
    // Sent and forgotten: no approval signature is ever kept here (it would let a guess be checked against it).
    const approvalSignature = approving && approvalKey && input.approvalCode !== null
      ? await withApprovalKey(approvalKey, input.approvalCode, (sign) => toBase64Url(sign(approvalSigningBytes(signed))))
      : undefined;
    try {
      const response = await this.#api.call(account.serverUrl, 'decide', {
        params: { id: validation.id },
        body: { decision: input.decision, detailsHash: hash, decidedAt, numberChoice, signature: toBase64Url(signature), ...(approvalSignature ? { approvalSignature } : {}) },
        signer: this.#signer(account),
      });
      if (response.status === 'pending' || response.id !== validation.id) {
        throw new CoreError('unexpected_response', 'The server did not record the decision.');
      }
      this.#inbox.close(account.id, validation.id, 'decided_here');
      this.#deps.logger.info('decision recorded', { accountId: account.id, validationId: validation.id, decision: input.decision, status: response.status });
      return { validationId: validation.id, accountId: account.id, decision: input.decision, status: response.status, decidedAt: response.decidedAt };
    } catch (error) {
      const code = errorCode(error);
      const attemptsLeft = error instanceof CoreError ? error.facts.attemptsLeft : undefined;
      this.#deps.logger.info('decision refused', { accountId: account.id, validationId: validation.id, error: code, ...(attemptsLeft !== undefined ? { attemptsLeft } : {}) });
      if (code === 'validation_expired') this.#inbox.close(account.id, validation.id, 'expired');
      // A wrong number rejects the login on the server: it is no longer pending either.
      else if (code === 'validation_already_decided' || code === 'validation_not_found' || code === 'number_mismatch') this.#inbox.close(account.id, validation.id, 'gone');
      else if (code === 'device_revoked' || code === 'approval_code_locked' || code === 'approval_code_not_set') await this.#afterApprovalRefusal(account, error, 'approval refused');
      // A wrong code leaves the request pending, to be approved with the right one.
      else if (code !== 'approval_code_invalid') this.#inbox.nudge(account.id);
      throw error;
    }
  }

  async #updateSettings(changes: Partial<Settings>): Promise<Settings> {
    const stored = this.#state.settings;
    const next = { ...stored };
    if (changes.defaultServerUrl !== undefined) {
      const normalized = changes.defaultServerUrl === '' ? '' : normalizeServerUrl(changes.defaultServerUrl, this.#serverUrlRules);
      if (normalized === null) throw new CoreError('invalid_input', 'This is not a valid server address.', { field: 'defaultServerUrl' });
      if (this.#policy.serverUrlLocked && this.#policyServerUrl && normalized !== this.#policyServerUrl) {
        throw new CoreError('not_allowed_by_policy', 'The server address is set by your organisation.', { field: 'defaultServerUrl' });
      }
      next.defaultServerUrl = normalized;
    }
    if (changes.startAtLogin !== undefined) {
      if (this.#policy.startAtLogin !== null && changes.startAtLogin !== this.#policy.startAtLogin) {
        throw new CoreError('not_allowed_by_policy', 'Start at login is set by your organisation.', { field: 'startAtLogin' });
      }
      next.startAtLogin = changes.startAtLogin;
    }
    if (changes.language !== undefined) next.language = changes.language;
    if (changes.notifications !== undefined) next.notifications = changes.notifications;
    this.#state.settings = next;
    this.#save();
    const effective = this.#effectiveSettings();
    this.#emit('onSettingsChanged', effective);
    return effective;
  }

  // ------------------------------------------------------------------ accounts

  #account(accountId: string): StoredAccountT {
    const account = this.#state.accounts.find((candidate) => candidate.id === accountId);
    if (!account) throw new CoreError('account_not_found', 'This account is not on this computer.');
    return account;
  }

  #activating(accountId: string): StoredAccountT {
    const account = this.#account(accountId);
    if (account.status !== 'activating' || !account.enrolment) {
      throw new CoreError('enrolment_closed', 'This account has no activation in progress.');
    }
    return account;
  }

  #enrolmentOf(account: StoredAccountT): EnrolmentViewT {
    if (!account.enrolment) throw new CoreError('enrolment_closed', 'This account has no activation in progress.');
    return account.enrolment;
  }

  #applyEnrolment(account: StoredAccountT, enrolment: EnrolmentViewT): void {
    account.enrolment = enrolment;
    account.deviceName = enrolment.deviceName;
    account.displayName = enrolment.holder.displayName;
    account.companyName = enrolment.holder.companyName;
    account.role = enrolment.holder.role;
    account.activeDevices = enrolment.activeDevices;
    account.maxDevices = enrolment.maxDevices;
  }

  async #refreshEnrolment(account: StoredAccountT, signal?: AbortSignal): Promise<void> {
    const enrolment = this.#enrolmentOf(account);
    const response = await this.#api.call(account.serverUrl, 'getEnrolment', { params: { id: enrolment.id }, signer: this.#signer(account), signal });
    if (account.status !== 'activating') return;
    this.#applyEnrolment(account, response.enrolment);
    if (response.enrolment.state === 'active' && response.enrolment.deviceId) {
      this.#becomeActive(account, response.enrolment.deviceId, response.enrolment);
      return;
    }
    this.#save();
    this.#emitAccounts();
  }

  /** Forgets an account on this computer: loop, pending validations, key, saved state. */
  async #forget(account: StoredAccountT, reason: string): Promise<void> {
    await this.#inbox.stopAccount(account.id);
    await this.#deleteKey(account.id);
    const index = this.#state.accounts.indexOf(account);
    if (index >= 0) this.#state.accounts.splice(index, 1);
    this.#deps.logger.info('account removed from this computer', { accountId: account.id, reason });
    this.#save();
    this.#emitAccounts();
  }

  /** The server said the device is revoked: its key is wiped and its loop stopped; the account stays listed as revoked. */
  async #markRevoked(accountId: string): Promise<void> {
    const account = this.#state.accounts.find((candidate) => candidate.id === accountId);
    if (!account || account.status === 'revoked') return;
    account.status = 'revoked';
    account.revokedAt = new Date(this.#deps.clock.now()).toISOString();
    this.#deps.logger.warn('device revoked by the server: its key is deleted from this computer', { accountId, deviceId: account.deviceId });
    this.#save();
    await this.#inbox.stopAccount(accountId);
    await this.#deleteKey(accountId);
    this.#emitAccounts();
  }

  /**
   * The server says this device's approvals are locked (five wrong codes): its loop stops and its requests leave the
   * list. The device key stays, to remove the locked device from the server when its person activates again.
   */
  async #markLocked(accountId: string): Promise<void> {
    const account = this.#state.accounts.find((candidate) => candidate.id === accountId);
    if (!account || account.status !== 'active') return;
    account.status = 'locked';
    this.#deps.logger.warn('approvals locked by the server after wrong approval codes', { accountId, deviceId: account.deviceId });
    this.#save();
    await this.#inbox.stopAccount(accountId);
    this.#emitAccounts();
  }

  #noteActiveDevices(accountId: string, activeDevices: number): void {
    const account = this.#state.accounts.find((candidate) => candidate.id === accountId);
    if (!account || account.activeDevices === activeDevices) return;
    account.activeDevices = activeDevices;
    this.#save();
    this.#emitAccounts();
  }

  #startLoop(account: StoredAccountT): void {
    this.#inbox.startAccount({ id: account.id, serverUrl: account.serverUrl, label: accountLabel(account), signer: this.#signer(account) });
  }

  /** On start: what changed on the server while the app was closed (codes generated, devices revoked, counts). */
  async #refreshAll(signal: AbortSignal): Promise<void> {
    for (const account of [...this.#state.accounts]) {
      if (signal.aborted) return;
      try {
        if (account.status === 'activating' && account.enrolment) {
          await this.#refreshEnrolment(account, signal);
        } else if (account.status === 'active' && account.deviceId) {
          const self = await this.#api.call(account.serverUrl, 'getSelf', { signer: this.#signer(account), signal });
          account.deviceName = self.device.name;
          account.displayName = self.holder.displayName;
          account.companyName = self.holder.companyName;
          account.role = self.holder.role;
          account.activeDevices = self.activeDevices;
          account.maxDevices = self.maxDevices;
          this.#save();
          this.#emitAccounts();
        }
      } catch (error) {
        const code = errorCode(error);
        if (code === 'device_revoked') await this.#markRevoked(account.id);
        else if (code === 'approval_code_locked') await this.#markLocked(account.id);
        else if (!signal.aborted) this.#deps.logger.info('could not refresh an account at start', { accountId: account.id, error: code ?? 'internal_error' });
      }
    }
  }

  async #removeOrphanKeys(): Promise<void> {
    try {
      const known = new Set(this.#state.accounts.filter((account) => account.status !== 'revoked').map((account) => account.id));
      const orphans = (await this.#deps.vault.list()).filter((id) => !known.has(id));
      for (const id of orphans) await this.#deps.vault.remove(id);
      if (orphans.length > 0) this.#deps.logger.warn('deleted keys that belonged to no account (an interrupted activation)', { count: orphans.length });
    } catch (error) {
      this.#deps.logger.warn('could not look for leftover keys in the keychain', { message: error instanceof Error ? error.message : String(error) });
    }
  }

  // ------------------------------------------------------------------ keys (through the vault only)

  #signer(account: StoredAccountT): RequestSigner {
    // A locked device still signs: to remove itself from the server when its person activates again.
    const keyId = account.status === 'active' || account.status === 'locked' ? account.deviceId : account.enrolment?.id;
    if (!keyId) throw new CoreError('enrolment_closed', 'This account cannot sign requests.');
    return { keyId, sign: (message) => this.#sign(account.id, message) };
  }

  async #sign(accountId: string, message: Uint8Array): Promise<Uint8Array> {
    try {
      return await this.#deps.vault.sign(accountId, message);
    } catch (error) {
      throw this.#keychainError('sign with', error);
    }
  }

  async #storeKey(accountId: string, secretKey: Uint8Array): Promise<void> {
    try {
      await this.#deps.vault.store(accountId, secretKey);
    } catch (error) {
      throw this.#keychainError('store', error);
    }
  }

  async #deleteKey(accountId: string): Promise<void> {
    try {
      await this.#deps.vault.remove(accountId);
    } catch (error) {
      // The account goes anyway; the next start removes the leftover key.
      this.#keychainError('delete', error);
    }
  }

  #keychainError(action: string, error: unknown): CoreError {
    if (error instanceof CoreError) return error;
    this.#deps.logger.error(`could not ${action} a key in the keychain`, { name: error instanceof Error ? error.name : typeof error });
    return new CoreError('keychain_unavailable', 'The system keychain is not available.');
  }

  // ------------------------------------------------------------------ views, persistence, events

  #summary(account: StoredAccountT): AccountSummary {
    return {
      id: account.id,
      serverUrl: account.serverUrl,
      identifier: account.identifier,
      displayName: account.displayName,
      companyName: account.companyName,
      role: account.role,
      deviceName: account.deviceName,
      deviceId: account.deviceId,
      status: account.status,
      activation: account.status === 'activating' && account.enrolment ? this.#progress(account, account.enrolment) : null,
      activeDevices: account.activeDevices,
      maxDevices: account.maxDevices,
      createdAt: account.createdAt,
      activatedAt: account.activatedAt,
      approvalCodeSet: Boolean(account.approvalKey),
    };
  }

  #progress(account: StoredAccountT, enrolment: EnrolmentViewT): ActivationProgress {
    const offset = this.#api.offsetFor(account.serverUrl);
    const local = (time: string | null) => (time === null || offset === 0 ? time : new Date(Date.parse(time) - offset).toISOString());
    return {
      enrolmentId: enrolment.id,
      step: activationStep(enrolment, account.deviceNamed),
      enrolmentState: enrolment.state,
      codeDelivery: enrolment.codeDelivery,
      securityPhoneMasked: enrolment.securityPhoneMasked,
      channel: enrolment.channel,
      codeFormat: enrolment.codeFormat,
      codeGeneratedAt: local(enrolment.codeGeneratedAt),
      codeExpiresAt: local(enrolment.codeExpiresAt),
      codeValiditySeconds: enrolment.codeValiditySeconds,
      attemptsLeft: enrolment.attemptsLeft,
    };
  }

  #effectiveSettings(): Settings {
    const stored = this.#state.settings;
    const policyUrl = this.#policyServerUrl;
    return {
      language: stored.language,
      notifications: stored.notifications,
      startAtLogin: this.#policy.startAtLogin ?? stored.startAtLogin,
      // IT's policy first, then what the person chose, then the bank's address built into the installer.
      defaultServerUrl: policyUrl && (this.#policy.serverUrlLocked || stored.defaultServerUrl === '') ? policyUrl : stored.defaultServerUrl || (this.#bankServerUrl ?? ''),
    };
  }

  #snapshot(): Snapshot {
    return {
      accounts: this.#state.accounts.map((account) => this.#summary(account)),
      pending: this.#inbox.pending(),
      connectivity: this.#inbox.connectivity(),
      settings: this.#effectiveSettings(),
      appInfo: { ...this.#deps.appInfo, bankServerUrl: this.#bankServerUrl, policy: structuredClone(this.#policy) },
    };
  }

  #acceptServerUrl(input: string): string {
    const serverUrl = normalizeServerUrl(input, this.#serverUrlRules);
    if (!serverUrl) throw new CoreError('invalid_input', 'This is not a valid server address (https:// is required).', { field: 'serverUrl' });
    const onlyPolicyServer = this.#policyServerUrl && (this.#policy.serverUrlLocked || !this.#policy.allowAdditionalServers);
    if (onlyPolicyServer && serverUrl !== this.#policyServerUrl) {
      throw new CoreError('not_allowed_by_policy', 'Your organisation allows only its own server.', { field: 'serverUrl' });
    }
    return serverUrl;
  }

  #saveAndSummarize(account: StoredAccountT): AccountSummary {
    this.#save();
    this.#emitAccounts();
    return this.#summary(account);
  }

  #save(): void {
    try {
      this.#deps.store.write(structuredClone(this.#state));
    } catch (error) {
      this.#deps.logger.error('could not save the state', { location: this.#deps.store.location, message: error instanceof Error ? error.message : String(error) });
    }
  }

  #emitAccounts(): void {
    this.#emit('onAccountsChanged', this.#state.accounts.map((account) => this.#summary(account)));
  }

  /** Emits only when the payload differs from the last one sent for that event. */
  #emit<E extends Exclude<BridgeEventName, 'onNavigate'>>(event: E, payload: CoreEvents[E]): void {
    const serialized = JSON.stringify(payload);
    if (this.#lastEmitted.get(event) === serialized) return;
    this.#lastEmitted.set(event, serialized);
    this.#events.emit(event, payload);
  }

  /** Runs one task at a time per key (an account): a double click cannot send two activations or two decisions. */
  async #exclusive<T>(key: string, task: () => Promise<T>): Promise<T> {
    // The lock holds `settled`, which never rejects: a failed task does not stop the next one.
    const previous = this.#locks.get(key) ?? Promise.resolve();
    const run = previous.then(task);
    const settled = run.catch(() => undefined);
    this.#locks.set(key, settled);
    try {
      return await run;
    } finally {
      if (this.#locks.get(key) === settled) this.#locks.delete(key);
    }
  }
}

/** Who a request is for, as people tell each other apart on a shared computer: "Claire Durand · Durand Industrie SAS". */
export function accountLabel(account: Pick<StoredAccountT, 'identifier' | 'displayName' | 'companyName'>): string {
  const person = account.displayName || account.identifier;
  return account.companyName ? `${person} · ${account.companyName}` : person;
}

export function activationStep(enrolment: Pick<EnrolmentViewT, 'state'>, deviceNamed: boolean): ActivationProgress['step'] {
  switch (enrolment.state) {
    case 'awaiting_code_request':
      return deviceNamed ? 'request_code' : 'name_device';
    case 'failed':
      return 'failed';
    default:
      return 'enter_code';
  }
}

/** A channel (SMS or voice) is chosen exactly when the code goes to the Security Phone. */
function channelFits(enrolment: Pick<EnrolmentViewT, 'codeDelivery'>, channel: string | null): boolean {
  return (enrolment.codeDelivery === 'security_phone') === (channel !== null);
}

/** The bank's refusal of a code request sent down a path that is no longer this user's (SMS/voice or not). */
function pathRefused(error: unknown): boolean {
  if (!(error instanceof CoreError)) return false;
  return error.code === 'channel_not_available' || (error.code === 'bad_request' && error.facts.field === 'channel');
}

function checkNumberChoice(kind: string, choices: number[] | null, decision: 'approve' | 'reject', numberChoice: number | null): void {
  if (kind === 'login' && decision === 'approve') {
    if (numberChoice === null) throw new CoreError('invalid_input', 'Pick the number shown in the Espace Client.', { field: 'numberChoice' });
    if (!choices?.includes(numberChoice)) throw new CoreError('invalid_input', 'This number was not offered.', { field: 'numberChoice' });
    return;
  }
  if (numberChoice !== null) throw new CoreError('invalid_input', 'No number is needed here.', { field: 'numberChoice' });
}

