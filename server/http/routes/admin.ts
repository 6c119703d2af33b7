/** The administration API: an administrator's authenticated portal session, scoped to their company. */
import { companyDevices, renameDevice, revokeCompanyDevice } from '../../services/devices';
import { generateCodeForRequest, listActivations } from '../../services/enrolments';
import { createSecondaryUser, listCompanyUsers, setSuspended } from '../../services/users';
import type { Handlers } from '../types';

type AdminRoutes = 'listUsers' | 'createUser' | 'lockUser' | 'unlockUser' | 'listActivations' | 'generateActivationCode' | 'listCompanyDevices' | 'renameDevice' | 'revokeDevice';

export const adminHandlers: Pick<Handlers, AdminRoutes> = {
  async listUsers({ ctx, caller }) {
    return { users: await listCompanyUsers(ctx, caller.user.company_id) };
  },
  async createUser({ ctx, caller, body }) {
    return createSecondaryUser(ctx, caller.user, body);
  },
  async lockUser({ ctx, caller, params, origin }) {
    return { user: await setSuspended(ctx, caller.user, params.id, true, origin) };
  },
  async unlockUser({ ctx, caller, params, origin }) {
    return { user: await setSuspended(ctx, caller.user, params.id, false, origin) };
  },
  async listActivations({ ctx, caller }) {
    return { activations: await listActivations(ctx, caller.user) };
  },
  async generateActivationCode({ ctx, caller, params, origin }) {
    return { activation: await generateCodeForRequest(ctx, caller.user, params.id, origin) };
  },
  async listCompanyDevices({ ctx, caller }) {
    return { users: await companyDevices(ctx, caller.user), maxDevices: ctx.limits.maxDevicesPerUser };
  },
  async renameDevice({ ctx, caller, params, body, origin }) {
    return { device: await renameDevice(ctx, caller.user, params.id, body.name, origin) };
  },
  async revokeDevice({ ctx, caller, params, origin }) {
    return { device: await revokeCompanyDevice(ctx, caller.user, params.id, origin) };
  },
};
