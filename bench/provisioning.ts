/**
 * Thousands of simulated devices, set up the quick way. Going through the API would cost one scrypt per user
 * (sign-in for enrolment, portal login) plus an activation code per device: minutes of CPU for 10,000 devices,
 * none of it what the bench measures. So the bench server process writes the rows an activated user leaves behind
 * (user, enrolment marked active, active device, logged-in portal session) straight into the database, with the
 * server's own schema and helpers, before it starts listening. The load process generates every key pair and
 * keeps the secret keys; only public keys cross over.
 */
import type { ServerContext } from '../server/context';
import { hashSecret, sha256Token } from '../server/crypto';
import type { DevicesTable, EnrolmentsTable, PortalSessionsTable, UsersTable, ValidationsTable } from '../server/db/schema';
import { newId, randomToken } from '../server/ids';
import { createDemoBankAccounts } from '../server/services/bank-accounts';

/** A bench company's accounts' balance, in cents: a thousand billion euros. */
const BENCH_BALANCE_MINOR = 100_000_000_000_000;

/** A group of users of one company, each with one device: one pool per measurement, so none disturbs another. */
export interface PoolRequest {
  name: string;
  publicKeys: string[];
}

export interface ProvisionRequest {
  pools: PoolRequest[];
}

export interface ProvisionedUser {
  userId: string;
  identifier: string;
  displayName: string;
  deviceId: string;
  publicKey: string;
  /** The portal session cookie value and its CSRF token: the user is logged in to the Espace Client. */
  sessionToken: string;
  csrfToken: string;
}

export interface ProvisionedPool {
  name: string;
  companyId: string;
  companyName: string;
  users: ProvisionedUser[];
}

export interface ProvisionResult {
  pools: ProvisionedPool[];
  seconds: number;
}

const BATCH = 500;
export async function provision(ctx: ServerContext, request: ProvisionRequest): Promise<ProvisionResult> {
  const started = performance.now();
  // One scrypt for everyone: nobody logs in with it during the bench, but the rows must look like real ones.
  const secretHash = await hashSecret(`Bench-${randomToken(8)}-2026`);
  const now = ctx.clock.now();
  const pools: ProvisionedPool[] = [];
  for (const pool of request.pools) {
    const companyId = newId('cmp');
    const companyName = `Bench ${pool.name}`;
    await ctx.db.insertInto('companies').values({ id: companyId, name: companyName, created_at: now }).execute();
    await createDemoBankAccounts(ctx, companyId);
    // Tens of thousands of approved transfers are debited in a full run: the accounts must not run dry (insufficient_funds).
    await ctx.db.updateTable('bank_accounts').set({ balance_minor: BENCH_BALANCE_MINOR }).where('company_id', '=', companyId).execute();
    const users: ProvisionedUser[] = [];
    for (let offset = 0; offset < pool.publicKeys.length; offset += BATCH) {
      const userRows: UsersTable[] = [];
      const enrolmentRows: EnrolmentsTable[] = [];
      const deviceRows: DevicesTable[] = [];
      const sessionRows: PortalSessionsTable[] = [];
      const loginRows: ValidationsTable[] = [];
      for (const [index, publicKey] of pool.publicKeys.slice(offset, offset + BATCH).entries()) {
        const number = offset + index + 1;
        const identifier = `bench.${pool.name}.${number}`;
        const displayName = `Bench ${pool.name} ${number}`;
        const userId = newId('usr');
        const enrolmentId = newId('enr');
        const deviceId = newId('dev');
        const sessionToken = randomToken();
        const csrfToken = randomToken(24);
        userRows.push({
          id: userId, company_id: companyId, identifier, identifier_key: identifier.toLowerCase(), display_name: displayName, role: 'user',
          secret_hash: secretHash, must_change_secret: 0, security_phone: null, failed_logins: 0, locked_until: null, suspended: 0,
          validation_version: 0, created_at: now,
        });
        enrolmentRows.push({
          id: enrolmentId, user_id: userId, device_name: `PC bench ${number}`, public_key: publicKey, platform: 'linux', app_version: 'bench',
          state: 'active', code_delivery: 'administrator', channel: null, code_hash: null, code_display: null, code_generated_at: null,
          code_expires_at: null, code_used_at: now, failed_attempts: 0, device_id: deviceId, requested_ip: '127.0.0.1', created_at: now,
        });
        deviceRows.push({
          id: deviceId, user_id: userId, enrolment_id: enrolmentId, name: `PC bench ${number}`, public_key: publicKey, platform: 'linux',
          status: 'active', activated_at: now, last_seen_at: now, revoked_at: null, revoked_by: null,
          approval_public_key: null, approval_key_set_at: null, approval_failures: 0, locked_at: null,
        });
        // The portal session passed Secure Access: its login validation was approved on the device.
        const loginValidationId = newId('val');
        loginRows.push({
          id: loginValidationId, user_id: userId, company_id: companyId, kind: 'login', details_json: JSON.stringify({ type: 'login' }),
          details_hash: '', nonce: randomToken(), login_number: 42, number_choices: null, status: 'approved', decision_reason: null,
          created_at: now, expires_at: now, decided_at: now, decided_by_device: deviceId, decision_signature: null, approval_signature: null, debit_account_id: null,
        });
        sessionRows.push({
          token_hash: sha256Token(sessionToken), user_id: userId, csrf_token: csrfToken, security_code_hash: null, security_code_channel: null,
          security_code_sent_at: null, security_code_expires_at: null, security_code_attempts: 0, security_code_verified_at: null,
          login_validation_id: loginValidationId, ip: '127.0.0.1', user_agent: 'Secure Access bench', created_at: now, last_seen_at: now, ended_at: null,
        });
        users.push({ userId, identifier, displayName, deviceId, publicKey, sessionToken, csrfToken });
      }
      await ctx.db.transaction().execute(async (trx) => {
        await trx.insertInto('users').values(userRows).execute();
        await trx.insertInto('enrolments').values(enrolmentRows).execute();
        await trx.insertInto('devices').values(deviceRows).execute();
        await trx.insertInto('validations').values(loginRows).execute();
        await trx.insertInto('portal_sessions').values(sessionRows).execute();
      });
    }
    pools.push({ name: pool.name, companyId, companyName, users });
  }
  return { pools, seconds: (performance.now() - started) / 1000 };
}
