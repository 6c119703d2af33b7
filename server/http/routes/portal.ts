/** The portal API (Espace Client): session cookie, CSRF header on every change. */
import { SESSION_COOKIE } from '../app';
import { listBankAccounts } from '../../services/bank-accounts';
import { listUserDevices, revokeOwnDevice } from '../../services/devices';
import {
  login, logout, reloadSession, sendSecurityCode, sessionView, startSecureAccessLogin, verifySecurityCode, waitForSessionChange,
} from '../../services/sessions';
import { changeSecret } from '../../services/users';
import { checkPayee, createBeneficiary, createTransfer, listOperations, operationView, waitForOperation } from '../../services/validations';
import type { Handlers } from '../types';

type PortalRoutes = 'login' | 'getSession' | 'logout' | 'startSecureAccessLogin' | 'sendSecurityCode' | 'verifySecurityCode' | 'changeSecret' | 'accounts' | 'operations'
  | 'getOperation' | 'createTransfer' | 'createBeneficiary' | 'myDevices' | 'revokeMyDevice'
  | 'checkPayee';

export function portalHandlers(cookieSecure: boolean): Pick<Handlers, PortalRoutes> {
  return {
    async login({ ctx, body, origin, reply }) {
      const { token, session } = await login(ctx, body.identifier, body.secretCode, origin);
      void reply.setCookie(SESSION_COOKIE, token, { httpOnly: true, sameSite: 'strict', secure: cookieSecure, path: '/' });
      return sessionView(ctx, session);
    },
    async getSession({ ctx, caller, query, cancellation }) {
      return waitForSessionChange(ctx, caller, query.knownState, query.waitSeconds ?? 0, cancellation);
    },
    async logout({ ctx, caller, reply }) {
      await logout(ctx, caller);
      void reply.clearCookie(SESSION_COOKIE, { path: '/' });
      return { ok: true as const };
    },
    async startSecureAccessLogin({ ctx, caller, origin }) {
      return sessionView(ctx, await startSecureAccessLogin(ctx, caller, origin));
    },
    async sendSecurityCode({ ctx, caller, body, origin }) {
      await sendSecurityCode(ctx, caller, body.channel, origin);
      return sessionView(ctx, await reloadSession(ctx, caller));
    },
    async verifySecurityCode({ ctx, caller, body, origin }) {
      await verifySecurityCode(ctx, caller, body.code, origin);
      return sessionView(ctx, await reloadSession(ctx, caller));
    },
    async changeSecret({ ctx, caller, body, origin }) {
      await changeSecret(ctx, caller.user, body.currentSecretCode, body.newSecretCode, origin, caller.row.token_hash);
      return sessionView(ctx, await reloadSession(ctx, caller));
    },
    async accounts({ ctx, caller }) {
      return { accounts: await listBankAccounts(ctx, caller.user.company_id) };
    },
    async operations({ ctx, caller }) {
      return { operations: await listOperations(ctx, caller.user.company_id) };
    },
    async getOperation({ ctx, caller, params, query, cancellation }) {
      return { operation: await waitForOperation(ctx, caller.user.company_id, params.id, query.knownStatus, query.waitSeconds ?? 0, cancellation) };
    },
    async createTransfer({ ctx, caller, body }) {
      return { operation: await operationView(ctx, await createTransfer(ctx, caller.user, body), caller.user) };
    },
    async createBeneficiary({ ctx, caller, body }) {
      return { operation: await operationView(ctx, await createBeneficiary(ctx, caller.user, body), caller.user) };
    },
    async checkPayee({ ctx, caller, body }) {
      return checkPayee(ctx, caller.user, body.name, body.iban);
    },
    async myDevices({ ctx, caller }) {
      return { devices: await listUserDevices(ctx, caller.user.id), maxDevices: ctx.limits.maxDevicesPerUser };
    },
    async revokeMyDevice({ ctx, caller, params, origin }) {
      return { device: await revokeOwnDevice(ctx, caller.user, params.id, origin) };
    },
  };
}

