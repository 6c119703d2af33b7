/**
 * The enterprise policy: the managed configuration IT deploys, read only from where an ordinary user cannot write
 * it (docs/deployment.md, "Enterprise policy"):
 * - Windows: the registry keys Group Policy and Intune write, HKLM\SOFTWARE\Policies\SecureAccess (with the ADMX
 *   template in deploy/windows); HKEY_CURRENT_USER only for the settings marked `user` below, which redirect
 *   nothing (HKLM wins when both set one);
 * - macOS: the managed preferences MDM installs, /Library/Managed Preferences, files owned by root;
 * - Linux: /etc/secure-access/policy.json, owned by root and writable by no one else, in folders likewise;
 * - SECURE_ACCESS_POLICY_FILE (any JSON file) in development builds only.
 *
 * `parsePolicy` is a pure function of the values, so every rule is unit-tested; `readPolicy` finds them through two
 * small ports (the registry, file metadata) that the tests replace with fakes. Each key is checked on its own: a bad
 * key falls back to its safe default and is reported, the good ones still apply.
 *
 * Adding a setting: one entry in POLICY_SETTINGS (schema, registry type, scope), its value in `policyFromValues`,
 * a policy in deploy/windows/SecureAccess.admx and its texts in both ADML files (tests/unit/policy checks all four).
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type * as NativeReg from 'native-reg';
import type { PolicyInForce } from '../../preload/contract';
import { APPROVAL_CODE_MAX_LENGTH, APPROVAL_CODE_MIN_LENGTH } from '../../protocol/approval-code';
import { normalizeServerUrl } from '../../protocol/server-url';

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

/**
 * How a setting is held in the Windows registry: a DWORD (`boolean`: 0 or 1; `number`), a string (REG_SZ), or a
 * JSON object in a string (`json`). JSON files and macOS profiles hold the values as they are.
 */
export type RegistryKind = 'boolean' | 'number' | 'string' | 'json';

/**
 * `machine`: only from the machine-wide policy (HKLM). `user`: HKEY_CURRENT_USER may set it too (a User
 * Configuration GPO), for settings that cannot point the app anywhere or weaken a check.
 */
export type PolicyScope = 'machine' | 'user';

interface PolicySetting {
  schema: TSchema;
  expected: string;
  registry: RegistryKind;
  scope: PolicyScope;
}

/** Every setting of the policy, in one place. */
export const POLICY_SETTINGS = {
  serverUrl: { schema: Type.String({ maxLength: 2048 }), expected: 'an https:// URL', registry: 'string', scope: 'machine' },
  serverUrlLocked: { schema: Type.Boolean(), expected: 'true or false', registry: 'boolean', scope: 'machine' },
  allowAdditionalServers: { schema: Type.Boolean(), expected: 'true or false', registry: 'boolean', scope: 'machine' },
  startAtLogin: { schema: Type.Boolean(), expected: 'true or false', registry: 'boolean', scope: 'user' },
  updatesEnabled: { schema: Type.Boolean(), expected: 'true or false', registry: 'boolean', scope: 'machine' },
  updateServerUrl: { schema: Type.String({ maxLength: 2048 }), expected: 'an https:// URL', registry: 'string', scope: 'machine' },
  proxy: {
    schema: ProxyPolicySchema,
    expected: '{ "mode": "system" | "direct" | "auto_detect" } or { "mode": "fixed_servers", "proxyRules": "…" } or { "mode": "pac_script", "pacScript": "https://…" }',
    registry: 'json',
    scope: 'machine',
  },
  logLevel: { schema: Type.Union(LOG_LEVELS.map((level) => Type.Literal(level))), expected: '"info", "warn" or "error"', registry: 'string', scope: 'user' },
  approvalCodeMinLength: {
    schema: Type.Integer({ minimum: APPROVAL_CODE_MIN_LENGTH, maximum: APPROVAL_CODE_MAX_LENGTH }),
    expected: `a whole number of digits from ${APPROVAL_CODE_MIN_LENGTH} to ${APPROVAL_CODE_MAX_LENGTH}`,
    registry: 'number',
    scope: 'machine',
  },
} satisfies Record<string, PolicySetting>;
type PolicyKey = keyof typeof POLICY_SETTINGS;
export const POLICY_KEYS = Object.keys(POLICY_SETTINGS) as PolicyKey[];

export interface PolicyOptions {
  /** A development build: SECURE_ACCESS_POLICY_FILE, and plain-http servers on this computer, are honoured. */
  development?: boolean;
}

/**
 * The server URL a policy may name: https (plain http on this computer in development builds only), without
 * credentials, query or fragment. The same rule the core applies (protocol/server-url.ts). Null when not acceptable.
 */
export function acceptableServerUrl(value: string, { development = false }: PolicyOptions = {}): string | null {
  return normalizeServerUrl(value, { allowLoopbackHttp: development });
}

export interface PolicyFile {
  /** Where it was read from, shown in Settings › About and in the log. */
  source: string;
  /** The file's text (JSON), or already-decoded data (a macOS managed-preferences plist, registry values). */
  contents: string | unknown;
}

/** The policy in force given a policy file, or none. Never throws. */
export function parsePolicy(file: PolicyFile | null, options: PolicyOptions = {}): EnterprisePolicy {
  if (file === null) return defaultPolicy();
  const decoded = decodePolicyObject(file.contents);
  if ('problem' in decoded) return defaultPolicy(file.source, [decoded.problem]);
  return policyFromValues(file.source, decoded.values, [], options);
}

/** JSON text (or already-decoded data) as an object of keys and values, or why it is not one. */
function decodePolicyObject(contents: unknown): { values: Record<string, unknown> } | { problem: string } {
  let data = contents;
  if (typeof data === 'string') {
    try {
      // Notepad saves UTF-8 with a byte-order mark; JSON.parse refuses it.
      data = JSON.parse(data.replace(/^\uFEFF/, ''));
    } catch (error) {
      return { problem: `not valid JSON (${error instanceof Error ? error.message : String(error)})` };
    }
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { problem: 'the policy must be a JSON object of keys and values' };
  return { values: data as Record<string, unknown> };
}

/** The policy from its values, each checked on its own; `errors` carries what the reader already found wrong. */
function policyFromValues(source: string, record: Record<string, unknown>, errors: string[], options: PolicyOptions): EnterprisePolicy {
  const valid: Partial<Record<PolicyKey, unknown>> = {};
  for (const [key, value] of Object.entries(record)) {
    // Configuration profiles carry their own bookkeeping keys (PayloadUUID…) next to ours.
    if (key.startsWith('Payload')) continue;
    if (!Object.hasOwn(POLICY_SETTINGS, key)) {
      errors.push(`unknown key "${key}" ignored (known keys: ${POLICY_KEYS.join(', ')})`);
      continue;
    }
    const rule: PolicySetting = POLICY_SETTINGS[key as PolicyKey];
    if (!Value.Check(rule.schema, value)) {
      errors.push(`"${key}" must be ${rule.expected}; ignored`);
      continue;
    }
    valid[key as PolicyKey] = value;
  }

  const httpRule = options.development ? 'an https:// URL (or http:// on this computer)' : 'an https:// URL';
  let serverUrl: string | null = null;
  if (typeof valid.serverUrl === 'string') {
    serverUrl = acceptableServerUrl(valid.serverUrl, options);
    if (serverUrl === null) errors.push(`"serverUrl" must be ${httpRule} without credentials, query or fragment; ignored`);
  }
  let updateServerUrl: string | null = null;
  if (typeof valid.updateServerUrl === 'string') {
    updateServerUrl = acceptableServerUrl(valid.updateServerUrl, options);
    if (updateServerUrl === null) errors.push(`"updateServerUrl" must be ${httpRule}; ignored`);
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
      source,
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
 * Development builds only (main/index.ts).
 */
export function withDevelopmentServer(policy: EnterprisePolicy, serverUrl: string | undefined): EnterprisePolicy {
  if (!serverUrl || policy.inForce.serverUrl !== null) return policy;
  const accepted = acceptableServerUrl(serverUrl, { development: true });
  if (accepted === null) {
    return { ...policy, inForce: { ...policy.inForce, errors: [...policy.inForce.errors, 'SECURE_ACCESS_SERVER_URL is not an https:// (or local http://) URL; ignored'] } };
  }
  return { ...policy, inForce: { ...policy.inForce, serverUrl: accepted, source: policy.inForce.source ?? 'SECURE_ACCESS_SERVER_URL' } };
}

// ---------------------------------------------------------------- Windows: the registry

/** Where Group Policy (the ADMX template) and Intune write the policy, under HKLM and HKCU. */
export const POLICY_REGISTRY_KEY = 'SOFTWARE\\Policies\\SecureAccess';

export type RegistryHive = 'HKLM' | 'HKCU';
/** A registry value as read: REG_DWORD/REG_QWORD as a number, REG_SZ/REG_EXPAND_SZ as a string, anything else as other. */
export type RegistryValue = { type: 'number'; value: number } | { type: 'string'; value: string } | { type: 'other'; registryType: string };

export interface RegistryReader {
  /** The values of a key (64-bit view), by name; null when the key does not exist. Throws when it cannot be read. */
  values(hive: RegistryHive, key: string): Map<string, RegistryValue> | null;
}

function hiveName(hive: RegistryHive): string {
  return hive === 'HKLM' ? 'HKEY_LOCAL_MACHINE' : 'HKEY_CURRENT_USER';
}

/** A registry value as the policy value its setting expects, or the reason it is not one. */
function fromRegistry(key: PolicyKey, value: RegistryValue): { value: unknown } | { problem: string } {
  // Widened on purpose: a kind no current setting uses (number) is still handled for the next one.
  const kind = POLICY_SETTINGS[key].registry as RegistryKind;
  if (kind === 'boolean' || kind === 'number') {
    if (value.type !== 'number') return { problem: `"${key}" must be a REG_DWORD${kind === 'boolean' ? ' (1 or 0)' : ''}; ignored` };
    if (kind === 'number') return { value: value.value };
    if (value.value !== 0 && value.value !== 1) return { problem: `"${key}" must be 1 or 0; ignored` };
    return { value: value.value === 1 };
  }
  if (value.type !== 'string') return { problem: `"${key}" must be a REG_SZ string; ignored` };
  if (kind === 'string') return { value: value.value };
  try {
    return { value: JSON.parse(value.value) as unknown };
  } catch {
    return { problem: `"${key}" must be a JSON object in a REG_SZ string; ignored` };
  }
}

/** The policy from HKLM and, for `user` settings only, HKCU. Never throws. */
export function readWindowsPolicy(registry: RegistryReader, options: PolicyOptions = {}): EnterprisePolicy {
  const errors: string[] = [];
  const values: Record<string, unknown> = {};
  const sources: string[] = [];
  for (const hive of ['HKLM', 'HKCU'] as const) {
    const where = `${hiveName(hive)}\\${POLICY_REGISTRY_KEY}`;
    let found: Map<string, RegistryValue> | null;
    try {
      found = registry.values(hive, POLICY_REGISTRY_KEY);
    } catch (error) {
      errors.push(`${where} cannot be read (${error instanceof Error ? error.message : String(error)})`);
      continue;
    }
    if (found === null || found.size === 0) continue;
    sources.push(where);
    for (const [name, raw] of found) {
      if (!Object.hasOwn(POLICY_SETTINGS, name)) {
        errors.push(`unknown value "${name}" in ${where} ignored (known: ${POLICY_KEYS.join(', ')})`);
        continue;
      }
      const key = name as PolicyKey;
      if (hive === 'HKCU' && POLICY_SETTINGS[key].scope !== 'user') {
        errors.push(`"${key}" in ${where} is ignored: only ${hiveName('HKLM')} may set it`);
        continue;
      }
      // The machine-wide value wins over the user's.
      if (Object.hasOwn(values, key)) continue;
      const converted = fromRegistry(key, raw);
      if ('problem' in converted) errors.push(`${converted.problem} (${where})`);
      else values[key] = converted.value;
    }
  }
  if (sources.length === 0) return errors.length === 0 ? defaultPolicy() : defaultPolicy(`${hiveName('HKLM')}\\${POLICY_REGISTRY_KEY}`, errors);
  return policyFromValues(sources.join(' + '), values, errors, options);
}

/** The registry through native-reg (prebuilt Node-API binaries for Windows x64 and arm64, in-process: no reg.exe). */
export type NativeRegModule = typeof NativeReg;

export function nativeRegistryReader(load: () => NativeRegModule): RegistryReader {
  return {
    values(hive, key) {
      const reg = load();
      const root = hive === 'HKLM' ? reg.HKLM : reg.HKCU;
      const opened = reg.openKey(root, key, reg.Access.READ | reg.Access.WOW64_64KEY);
      if (opened === null) return null;
      try {
        const result = new Map<string, RegistryValue>();
        for (const name of reg.enumValueNames(opened)) {
          const raw = reg.queryValueRaw(opened, name);
          if (raw === null) continue;
          if (raw.type === reg.ValueType.DWORD || raw.type === reg.ValueType.DWORD_BIG_ENDIAN || raw.type === reg.ValueType.QWORD) {
            result.set(name, { type: 'number', value: Number(reg.parseValue(raw)) });
          } else if (raw.type === reg.ValueType.SZ || raw.type === reg.ValueType.EXPAND_SZ) {
            result.set(name, { type: 'string', value: reg.parseString(raw) });
          } else {
            result.set(name, { type: 'other', registryType: reg.ValueType[raw.type] ?? String(raw.type) });
          }
        }
        return result;
      } finally {
        reg.closeKey(opened);
      }
    },
  };
}

// ---------------------------------------------------------------- macOS and Linux: root-owned files

export interface PathStatus {
  kind: 'file' | 'directory' | 'symlink' | 'other';
  uid: number;
  /** Permission bits (mode & 0o7777). */
  mode: number;
}

export interface FileAccess {
  /** lstat: a symbolic link is reported as one, not followed. Throws ENOENT when the path does not exist. */
  status(path: string): PathStatus;
  readText(path: string): string;
  /** macOS only: the plist as JSON text (`plutil -convert json`), binary or XML alike. */
  plistToJson(path: string): string;
}

export const nodeFileAccess: FileAccess = {
  status(path) {
    const stats = lstatSync(path);
    const kind = stats.isSymbolicLink() ? 'symlink' : stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other';
    return { kind, uid: stats.uid, mode: stats.mode & 0o7777 };
  },
  readText: (path) => readFileSync(path, 'utf8'),
  plistToJson: (path) => execFileSync('/usr/bin/plutil', ['-convert', 'json', '-o', '-', path], { encoding: 'utf8', timeout: 5000 }),
};

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

/**
 * Why a policy file cannot be trusted, or null: it and every folder above it must be owned by root and writable by
 * no one else, and none of them a symbolic link; otherwise someone other than the administrator could have written
 * or swapped it. Throws ENOENT when the file does not exist.
 */
export function untrustedBecause(path: string, files: Pick<FileAccess, 'status'>): string | null {
  const file = files.status(path);
  if (file.kind !== 'file') return `${path} is ${file.kind === 'symlink' ? 'a symbolic link' : 'not a regular file'}`;
  const chain = [path];
  for (let folder = dirname(path); ; folder = dirname(folder)) {
    chain.push(folder);
    if (dirname(folder) === folder) break;
  }
  for (const [index, entry] of chain.entries()) {
    const status = index === 0 ? file : files.status(entry);
    if (index > 0 && status.kind !== 'directory') return `${entry} is ${status.kind === 'symlink' ? 'a symbolic link' : 'not a folder'}`;
    if (status.uid !== 0) return `${entry} is not owned by root`;
    // Group- or world-writable; a sticky folder (like /tmp) still lets others create files in it.
    if ((status.mode & 0o022) !== 0) return `${entry} is writable by users other than root`;
  }
  return null;
}

type FoundFile = { source: string; values: Record<string, unknown> } | { source: string; problem: string };

/** A root-owned policy file's values, or why they cannot be used; null when there is no such file. */
function readTrustedFile(path: string, files: FileAccess, decode: (path: string) => string): FoundFile | null {
  let problem: string | null;
  try {
    problem = untrustedBecause(path, files);
  } catch (error) {
    if (isMissing(error)) return null;
    return { source: path, problem: `cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
  if (problem) return { source: path, problem: `ignored: ${problem}, so it may not come from your administrator` };
  let text: string;
  try {
    text = decode(path);
  } catch (error) {
    return { source: path, problem: `cannot be read (${error instanceof Error ? error.message : String(error)})` };
  }
  const decoded = decodePolicyObject(text);
  return 'problem' in decoded ? { source: path, problem: decoded.problem } : { source: path, values: decoded.values };
}

/** The policy from policy files, the first one's values winning key by key. */
function policyFromFiles(found: FoundFile[], options: PolicyOptions): EnterprisePolicy {
  if (found.length === 0) return defaultPolicy();
  const values: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const file of found) {
    if ('problem' in file) errors.push(found.length > 1 ? `${file.source}: ${file.problem}` : file.problem);
    else for (const [key, value] of Object.entries(file.values)) if (!Object.hasOwn(values, key)) values[key] = value;
  }
  return policyFromValues(found.map((file) => file.source).join(' + '), values, errors, options);
}

// ---------------------------------------------------------------- where the platform keeps it

export interface PolicyLocationInput {
  platform: NodeJS.Platform;
  /** The macOS user name, for user-scoped managed preferences. */
  userName: string;
}

/** The policy files of macOS (user-scoped profile first) and Linux; Windows keeps its policy in the registry. */
export function policyLocations({ platform, userName }: PolicyLocationInput): string[] {
  if (platform === 'win32') return [];
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
  /** A development build (`npm start`): SECURE_ACCESS_POLICY_FILE is honoured, plain-http local servers accepted. */
  development: boolean;
  registry?: RegistryReader;
  files?: FileAccess;
}

/** Reads the policy where the platform keeps it. Never throws. */
export function readPolicy(deps: PolicyReadDeps): EnterprisePolicy {
  const files = deps.files ?? nodeFileAccess;
  const options: PolicyOptions = { development: deps.development };
  const override = deps.env.SECURE_ACCESS_POLICY_FILE;
  if (override && deps.development) {
    try {
      return parsePolicy({ source: override, contents: files.readText(override) }, options);
    } catch (error) {
      return defaultPolicy(override, [`cannot be read (${error instanceof Error ? error.message : String(error)})`]);
    }
  }
  const policy = readPlatformPolicy(deps, files, options);
  if (!override) return policy;
  // Said where support looks: the variable some guide may still mention does nothing in an installed app.
  const notice = 'SECURE_ACCESS_POLICY_FILE is ignored outside development builds';
  return { ...policy, inForce: { ...policy.inForce, source: policy.inForce.source ?? 'SECURE_ACCESS_POLICY_FILE', errors: [...policy.inForce.errors, notice] } };
}

function readPlatformPolicy(deps: PolicyReadDeps, files: FileAccess, options: PolicyOptions): EnterprisePolicy {
  if (deps.platform === 'win32') {
    if (!deps.registry) return defaultPolicy(`HKEY_LOCAL_MACHINE\\${POLICY_REGISTRY_KEY}`, ['the registry cannot be read']);
    return readWindowsPolicy(deps.registry, options);
  }
  const decode = deps.platform === 'darwin' ? files.plistToJson : files.readText;
  // macOS: the device-wide profile wins over a user-scoped one, key by key (both are written by MDM only).
  const locations = deps.platform === 'darwin' ? [...policyLocations(deps)].reverse() : policyLocations(deps);
  return policyFromFiles(locations.map((path) => readTrustedFile(path, files, decode)).filter((found): found is FoundFile => found !== null), options);
}
