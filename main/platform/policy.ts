/**
 * The enterprise policy: the managed configuration IT deploys (a JSON file under ProgramData or /etc, a macOS
 * configuration profile). `parsePolicy` is a pure function of the file's contents, so every rule is unit-tested;
 * `readPolicy` is the thin reader that finds the file where the platform keeps it.
 *
 * Each key is checked on its own: a bad key falls back to its safe default and is reported, the good ones still
 * apply. A file that cannot be read as a policy at all gives the defaults, and says why, in one log line.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { PolicyInForce } from '../../preload/contract';
import { APPROVAL_CODE_MAX_LENGTH, APPROVAL_CODE_MIN_LENGTH } from '../../protocol/approval-code';

/** The application id: the macOS bundle id and managed-preferences domain. electron-builder.yml's appId must match. */
export const APP_ID = 'org.secureaccess.desktop';

export type LogLevel = 'info' | 'warn' | 'error';
export const LOG_LEVELS: readonly LogLevel[] = ['info', 'warn', 'error'];

const ProxyPolicySchema = Type.Union([
  Type.Object({ mode: Type.Literal('system') }, { additionalProperties: false }),
  Type.Object({ mode: Type.Literal('direct') }, { additionalProperties: false }),
  Type.Object({ mode: Type.Literal('auto_detect') }, { additionalProperties: false }),
  Type.Object(
    { mode: Type.Literal('fixed_servers'), proxyRules: Type.String({ minLength: 1, maxLength: 2000 }), proxyBypassRules: Type.Optional(Type.String({ maxLength: 2000 })) },
    { additionalProperties: false },
  ),
  Type.Object(
    { mode: Type.Literal('pac_script'), pacScript: Type.String({ minLength: 1, maxLength: 2000 }) },
    { additionalProperties: false },
  ),
]);
/** Electron's ProxyConfig, as the policy may override it. Absent: the system proxy settings (PAC, WPAD included). */
export type ProxyPolicy = Static<typeof ProxyPolicySchema>;

/** What the shell needs beyond what Settings › About shows. */
export interface EnterprisePolicy {
  inForce: PolicyInForce;
  proxy: ProxyPolicy | null;
  minimumLogLevel: LogLevel;
  /** An internal mirror of the update server, instead of the one built into the installer. */
  updateServerUrl: string | null;
}

/** No policy: the user decides, any server, updates on, the system proxy. */
export function defaultPolicy(source: string | null = null, errors: string[] = []): EnterprisePolicy {
  return {
    inForce: {
      source, serverUrl: null, serverUrlLocked: false, allowAdditionalServers: true, startAtLogin: null, updatesEnabled: true,
      approvalCodeMinLength: APPROVAL_CODE_MIN_LENGTH, errors,
    },
    proxy: null,
    minimumLogLevel: 'info',
    updateServerUrl: null,
  };
}

type KeyRule = { schema: TSchema; expected: string };
const KEY_RULES = {
  serverUrl: { schema: Type.String({ maxLength: 2048 }), expected: 'an https:// URL' },
  serverUrlLocked: { schema: Type.Boolean(), expected: 'true or false' },
  allowAdditionalServers: { schema: Type.Boolean(), expected: 'true or false' },
  startAtLogin: { schema: Type.Boolean(), expected: 'true or false' },
  updatesEnabled: { schema: Type.Boolean(), expected: 'true or false' },
  updateServerUrl: { schema: Type.String({ maxLength: 2048 }), expected: 'an https:// URL' },
  proxy: {
    schema: ProxyPolicySchema,
    expected: '{ "mode": "system" | "direct" | "auto_detect" } or { "mode": "fixed_servers", "proxyRules": "…" } or { "mode": "pac_script", "pacScript": "https://…" }',
  },
  logLevel: { schema: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level))), expected: '"info", "warn" or "error"' },
  approvalCodeMinLength: {
    schema: Type.Integer({ minimum: APPROVAL_CODE_MIN_LENGTH, maximum: APPROVAL_CODE_MAX_LENGTH }),
    expected: `a whole number of digits from ${APPROVAL_CODE_MIN_LENGTH} to ${APPROVAL_CODE_MAX_LENGTH}`,
  },
} satisfies Record<string, KeyRule>;
type PolicyKey = keyof typeof KEY_RULES;
export const POLICY_KEYS = Object.keys(KEY_RULES) as PolicyKey[];

/**
 * The server URL a policy may name: https, or http on this machine only (a local demo server).
 * Returns the URL without a trailing slash, or null when it is not acceptable.
 */
export function acceptableServerUrl(value: string): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return null;
  }
  const loopback = url.hostname === 'localhost' || url.hostname === '127.0.0.1' || url.hostname === '[::1]';
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) return null;
  if (url.username || url.password || url.search || url.hash) return null;
  return url.href.replace(/\/+$/, '');
}

export interface PolicyFile {
  /** Where it was read from, shown in Settings › About and in the log. */
  source: string;
  /** The file's text (JSON), or already-decoded data (a macOS managed-preferences plist converted by plutil). */
  contents: string | unknown;
}

/** The policy in force given a policy file, or none. Never throws. */
export function parsePolicy(file: PolicyFile | null): EnterprisePolicy {
  if (file === null) return defaultPolicy();
  const errors: string[] = [];
  let data: unknown = file.contents;
  if (typeof data === 'string') {
    try {
      // Notepad saves UTF-8 with a byte-order mark; JSON.parse refuses it.
      data = JSON.parse(data.replace(/^\uFEFF/, ''));
    } catch (error) {
      return defaultPolicy(file.source, [`not valid JSON (${error instanceof Error ? error.message : String(error)})`]);
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) {
    return defaultPolicy(file.source, ['the policy must be a JSON object of keys and values']);
  }

  const record = data as Record<string, unknown>;
  const valid: Partial<Record<PolicyKey, unknown>> = {};
  for (const [key, value] of Object.entries(record)) {
    // Configuration profiles carry their own bookkeeping keys (PayloadUUID…) next to ours.
    if (key.startsWith('Payload')) continue;
    if (!Object.hasOwn(KEY_RULES, key)) {
      errors.push(`unknown key "${key}" ignored (known keys: ${POLICY_KEYS.join(', ')})`);
      continue;
    }
    const rule: KeyRule = KEY_RULES[key as PolicyKey];
    if (!Value.Check(rule.schema, value)) {
      errors.push(`"${key}" must be ${rule.expected}; ignored`);
      continue;
    }
    valid[key as PolicyKey] = value;
  }

  let serverUrl: string | null = null;
  if (typeof valid.serverUrl === 'string') {
    serverUrl = acceptableServerUrl(valid.serverUrl);
    if (serverUrl === null) errors.push(`"serverUrl" must be an https:// URL without credentials, query or fragment; ignored`);
  }
  let updateServerUrl: string | null = null;
  if (typeof valid.updateServerUrl === 'string') {
    updateServerUrl = acceptableServerUrl(valid.updateServerUrl);
    if (updateServerUrl === null) errors.push(`"updateServerUrl" must be an https:// URL; ignored`);
  }

  let serverUrlLocked = valid.serverUrlLocked === true;
  if (serverUrlLocked && serverUrl === null) {
    errors.push('"serverUrlLocked" needs a valid "serverUrl"; nothing is locked');
    serverUrlLocked = false;
  }
  let allowAdditionalServers = typeof valid.allowAdditionalServers === 'boolean' ? valid.allowAdditionalServers : true;
  if (serverUrlLocked && allowAdditionalServers) {
    if (valid.allowAdditionalServers === true) errors.push('"allowAdditionalServers" is ignored while "serverUrlLocked" is true');
    allowAdditionalServers = false;
  }
  if (!allowAdditionalServers && serverUrl === null) {
    errors.push('"allowAdditionalServers": false needs a valid "serverUrl"; any server is allowed');
    allowAdditionalServers = true;
  }

  let proxy = (valid.proxy as ProxyPolicy | undefined) ?? null;
  if (proxy?.mode === 'pac_script' && !isPacUrl(proxy.pacScript)) {
    errors.push('"proxy.pacScript" must be an http(s):// or file:// URL; the system proxy settings are used');
    proxy = null;
  }

  return {
    inForce: {
      source: file.source,
      serverUrl,
      serverUrlLocked,
      allowAdditionalServers,
      startAtLogin: typeof valid.startAtLogin === 'boolean' ? valid.startAtLogin : null,
      updatesEnabled: typeof valid.updatesEnabled === 'boolean' ? valid.updatesEnabled : true,
      approvalCodeMinLength: typeof valid.approvalCodeMinLength === 'number' ? valid.approvalCodeMinLength : APPROVAL_CODE_MIN_LENGTH,
      errors,
    },
    proxy,
    minimumLogLevel: (valid.logLevel as LogLevel | undefined) ?? 'info',
    updateServerUrl,
  };
}

function isPacUrl(value: string): boolean {
  try {
    return ['http:', 'https:', 'file:'].includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

/** The one log line for a policy with problems, or null when it is clean. */
export function policyProblemsLine(policy: EnterprisePolicy): string | null {
  const { source, errors } = policy.inForce;
  if (errors.length === 0) return null;
  return `enterprise policy ${source ?? ''} has ${errors.length} problem(s), safe defaults used for them: ${errors.join('; ')}`;
}

/**
 * `npm start` points the app at the local demo server through SECURE_ACCESS_SERVER_URL. It is offered as the
 * default server exactly like an unlocked policy's, and only when IT's policy names no server of its own.
 */
export function withDevelopmentServer(policy: EnterprisePolicy, serverUrl: string | undefined): EnterprisePolicy {
  if (!serverUrl || policy.inForce.serverUrl !== null) return policy;
  const accepted = acceptableServerUrl(serverUrl);
  if (accepted === null) {
    return { ...policy, inForce: { ...policy.inForce, errors: [...policy.inForce.errors, 'SECURE_ACCESS_SERVER_URL is not an https:// (or local http://) URL; ignored'] } };
  }
  return { ...policy, inForce: { ...policy.inForce, serverUrl: accepted, source: policy.inForce.source ?? 'SECURE_ACCESS_SERVER_URL' } };
}

// ---------------------------------------------------------------- where the platform keeps it

export interface PolicyLocationInput {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  /** The macOS user name, for user-scoped managed preferences. */
  userName: string;
}

/** The files to look at, most specific first; the first that exists is the policy. */
export function policyLocations({ platform, env, userName }: PolicyLocationInput): string[] {
  if (platform === 'win32') {
    return [join(env.ProgramData ?? env.PROGRAMDATA ?? 'C:\\ProgramData', 'Secure Access', 'policy.json')];
  }
  if (platform === 'darwin') {
    // MDM writes user-scoped payloads under the user's folder and device-scoped ones at the top.
    return [`/Library/Managed Preferences/${userName}/${APP_ID}.plist`, `/Library/Managed Preferences/${APP_ID}.plist`];
  }
  return ['/etc/secure-access/policy.json'];
}

export interface PolicyReadDeps {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  userName: string;
  exists?: (path: string) => boolean;
  readText?: (path: string) => string;
  /** macOS only: the plist as JSON text (`plutil -convert json`), binary or XML alike. */
  plistToJson?: (path: string) => string;
}

/** Reads the policy where the platform keeps it. `SECURE_ACCESS_POLICY_FILE` points elsewhere (support, tests). */
export function readPolicy(deps: PolicyReadDeps): EnterprisePolicy {
  const exists = deps.exists ?? existsSync;
  const readText = deps.readText ?? ((path: string) => readFileSync(path, 'utf8'));
  const plistToJson = deps.plistToJson ?? ((path: string) => execFileSync('/usr/bin/plutil', ['-convert', 'json', '-o', '-', path], { encoding: 'utf8', timeout: 5000 }));
  const override = deps.env.SECURE_ACCESS_POLICY_FILE;
  const candidates = override ? [override] : policyLocations(deps);
  const found = candidates.find((path) => exists(path));
  if (found === undefined) return defaultPolicy();
  try {
    const contents = found.endsWith('.plist') ? plistToJson(found) : readText(found);
    return parsePolicy({ source: found, contents });
  } catch (error) {
    return defaultPolicy(found, [`cannot be read (${error instanceof Error ? error.message : String(error)})`]);
  }
}
