import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../main/core/authenticator';
import { systemClock, type Logger, type SettingsStore } from '../../../main/core/ports';
import { defaultPersistedState, type PersistedStateT } from '../../../main/core/state';
import { createMemoryVault } from '../../../main/platform/memory-vault';
import { createNodeTransport } from '../../../main/platform/node-transport';
import {
  APP_ID, parsePolicy, POLICY_REGISTRY_KEY, policyLocations, policyProblemsLine, readPolicy, untrustedBecause, withDevelopmentServer,
  type EnterprisePolicy, type FileAccess, type PathStatus, type RegistryHive, type RegistryReader, type RegistryValue,
} from '../../../main/platform/policy';

const source = '/etc/secure-access/policy.json';
const json = (value: unknown) => ({ source, contents: JSON.stringify(value) });

const silent: Logger = { info() {}, warn() {}, error() {} };

/** The real core, over a saved state where the person chose their own server and no start at login. */
function coreUnder(policy: EnterprisePolicy) {
  let saved: PersistedStateT = {
    ...defaultPersistedState(),
    settings: { language: 'fr', startAtLogin: false, notifications: true, defaultServerUrl: 'https://user-choice.example' },
  };
  const store: SettingsStore<PersistedStateT> = { location: 'memory', read: () => structuredClone(saved), write: (value) => void (saved = structuredClone(value)) };
  return createAuthenticator({
    vault: createMemoryVault(), store, transport: createNodeTransport(), clock: systemClock, logger: silent,
    appInfo: { version: '0.0.0-test', platform: 'linux', defaultDeviceName: 'amartin – PC-COMPTA-04' },
    policy: policy.inForce,
  });
}

describe('an enterprise policy deployed by IT', () => {
  it('applies every key of a valid policy', () => {
    const policy = parsePolicy(json({
      serverUrl: 'https://espace-client.banque.example/',
      serverUrlLocked: true,
      startAtLogin: true,
      updatesEnabled: false,
      updateServerUrl: 'https://updates.corp.example/secure-access',
      proxy: { mode: 'fixed_servers', proxyRules: 'https=proxy.corp.example:8080', proxyBypassRules: '<local>' },
      logLevel: 'warn',
      approvalCodeMinLength: 8,
    }));
    expect(policy.inForce).toEqual({
      source,
      serverUrl: 'https://espace-client.banque.example',
      serverUrlLocked: true,
      allowAdditionalServers: false,
      startAtLogin: true,
      updatesEnabled: false,
      approvalCodeMinLength: 8,
      errors: [],
    });
    expect(policy.proxy).toEqual({ mode: 'fixed_servers', proxyRules: 'https=proxy.corp.example:8080', proxyBypassRules: '<local>' });
    expect(policy.minimumLogLevel).toBe('warn');
    expect(policy.updateServerUrl).toBe('https://updates.corp.example/secure-access');
    expect(policyProblemsLine(policy)).toBeNull();
  });

  it('leaves everything to the user when there is no policy file', () => {
    const policy = parsePolicy(null);
    expect(policy.inForce).toEqual({
      source: null, serverUrl: null, serverUrlLocked: false, allowAdditionalServers: true, startAtLogin: null, updatesEnabled: true,
      approvalCodeMinLength: 6, errors: [],
    });
    expect(policy.proxy).toBeNull();
    expect(policy.minimumLogLevel).toBe('info');
  });

  it('may ask for a longer approval code, never a shorter one than 6 digits nor one longer than 12', () => {
    for (const refused of [5, 13, 7.5, '8']) {
      const policy = parsePolicy(json({ approvalCodeMinLength: refused }));
      expect(policy.inForce.approvalCodeMinLength, String(refused)).toBe(6);
      expect(policy.inForce.errors).toEqual(['"approvalCodeMinLength" must be a whole number of digits from 6 to 12; ignored']);
    }
    expect(parsePolicy(json({ approvalCodeMinLength: 12 })).inForce.approvalCodeMinLength).toBe(12);
  });

  it('reads a file saved by Notepad with a byte-order mark', () => {
    const policy = parsePolicy({ source, contents: `\uFEFF${JSON.stringify({ updatesEnabled: false })}` });
    expect(policy.inForce.updatesEnabled).toBe(false);
    expect(policy.inForce.errors).toEqual([]);
  });

  it('falls back to safe defaults and says why in one line when the file is not JSON', () => {
    const policy = parsePolicy({ source, contents: '{ "serverUrl": "https://a.example", ' });
    expect(policy.inForce.serverUrl).toBeNull();
    expect(policy.inForce.serverUrlLocked).toBe(false);
    expect(policy.inForce.source).toBe(source);
    expect(policy.inForce.errors).toHaveLength(1);
    const line = policyProblemsLine(policy);
    expect(line).toMatch(/^enterprise policy \/etc\/secure-access\/policy\.json has 1 problem\(s\), safe defaults used for them: not valid JSON/);
    expect(line).not.toContain('\n');
  });

  it('ignores each invalid key on its own and keeps the valid ones', () => {
    const policy = parsePolicy(json({
      serverUrl: 'https://espace-client.banque.example',
      startAtLogin: 'yes',
      updatesEnabled: false,
      logLevel: 'verbose',
      proxy: { mode: 'fixed_servers' },
      serverURL: 'https://typo.example',
    }));
    expect(policy.inForce.serverUrl).toBe('https://espace-client.banque.example');
    expect(policy.inForce.updatesEnabled).toBe(false);
    expect(policy.inForce.startAtLogin).toBeNull();
    expect(policy.minimumLogLevel).toBe('info');
    expect(policy.proxy).toBeNull();
    expect(policy.inForce.errors).toEqual([
      '"startAtLogin" must be true or false; ignored',
      '"logLevel" must be "info", "warn" or "error"; ignored',
      expect.stringMatching(/^"proxy" must be /),
      expect.stringMatching(/^unknown key "serverURL" ignored/),
    ]);
  });

  it('refuses a server URL that is not https, or carries credentials', () => {
    for (const serverUrl of ['http://espace-client.banque.example', 'https://user:pw@espace-client.banque.example', 'ftp://x.example', 'not a url']) {
      const policy = parsePolicy(json({ serverUrl, serverUrlLocked: true }));
      expect(policy.inForce.serverUrl, serverUrl).toBeNull();
      expect(policy.inForce.serverUrlLocked, serverUrl).toBe(false);
      expect(policy.inForce.errors.join(' '), serverUrl).toContain('"serverUrlLocked" needs a valid "serverUrl"');
    }
  });

  it('accepts plain http for a demo server on this machine in development builds only', () => {
    const development = { development: true };
    expect(parsePolicy(json({ serverUrl: 'http://127.0.0.1:8080' }), development).inForce.serverUrl).toBe('http://127.0.0.1:8080');
    expect(parsePolicy(json({ serverUrl: 'http://localhost:8080/' }), development).inForce.serverUrl).toBe('http://localhost:8080');
    const packaged = parsePolicy(json({ serverUrl: 'http://127.0.0.1:8080', updateServerUrl: 'http://localhost:9000' }));
    expect(packaged.inForce.serverUrl).toBeNull();
    expect(packaged.updateServerUrl).toBeNull();
    expect(packaged.inForce.errors).toEqual([
      '"serverUrl" must be an https:// URL without credentials, query or fragment; ignored',
      '"updateServerUrl" must be an https:// URL; ignored',
    ]);
  });

  it('does not let a locked server allow additional servers', () => {
    const policy = parsePolicy(json({ serverUrl: 'https://a.example', serverUrlLocked: true, allowAdditionalServers: true }));
    expect(policy.inForce.allowAdditionalServers).toBe(false);
    expect(policy.inForce.errors).toEqual(['"allowAdditionalServers" is ignored while "serverUrlLocked" is true']);
  });

  it('refuses a proxy PAC script that is not a URL and keeps the system proxy', () => {
    const policy = parsePolicy(json({ proxy: { mode: 'pac_script', pacScript: 'proxy.pac' } }));
    expect(policy.proxy).toBeNull();
    expect(policy.inForce.errors[0]).toMatch(/proxy\.pacScript/);
    expect(parsePolicy(json({ proxy: { mode: 'pac_script', pacScript: 'http://wpad.corp.example/proxy.pac' } })).proxy)
      .toEqual({ mode: 'pac_script', pacScript: 'http://wpad.corp.example/proxy.pac' });
  });

  it('rejects a policy that is not an object of keys', () => {
    expect(parsePolicy(json(['serverUrl'])).inForce.errors).toEqual(['the policy must be a JSON object of keys and values']);
    expect(parsePolicy(json(null)).inForce.errors).toEqual(['the policy must be a JSON object of keys and values']);
  });

  it('ignores the bookkeeping keys of a macOS configuration profile', () => {
    const policy = parsePolicy({ source: '/Library/Managed Preferences/x.plist', contents: { PayloadUUID: 'x', updatesEnabled: false } });
    expect(policy.inForce.errors).toEqual([]);
    expect(policy.inForce.updatesEnabled).toBe(false);
  });
});

describe('a policy that conflicts with the user settings', () => {
  it('wins where it locks the server or fixes start at login, and refuses changes to them', async () => {
    const core = coreUnder(parsePolicy(json({ serverUrl: 'https://espace-client.banque.example', serverUrlLocked: true, startAtLogin: true })));
    const { settings, appInfo } = await core.handlers.getSnapshot(undefined);
    expect(settings).toMatchObject({ defaultServerUrl: 'https://espace-client.banque.example', startAtLogin: true });
    expect(appInfo.policy).toMatchObject({ source, serverUrlLocked: true, startAtLogin: true });
    await expect(core.handlers.updateSettings({ startAtLogin: false })).rejects.toMatchObject({ code: 'not_allowed_by_policy' });
    await expect(core.handlers.updateSettings({ defaultServerUrl: 'https://elsewhere.example' })).rejects.toMatchObject({ code: 'not_allowed_by_policy' });
    await expect(core.handlers.startActivation({ serverUrl: 'https://elsewhere.example', identifier: 'amartin', secretCode: 'whatever1' }))
      .rejects.toMatchObject({ code: 'not_allowed_by_policy' });
  });

  it('leaves the person’s choices alone where it does not lock them', async () => {
    const core = coreUnder(parsePolicy(json({ serverUrl: 'https://espace-client.banque.example' })));
    expect((await core.handlers.getSnapshot(undefined)).settings).toMatchObject({ defaultServerUrl: 'https://user-choice.example', startAtLogin: false });
    expect(await core.handlers.updateSettings({ startAtLogin: true })).toMatchObject({ startAtLogin: true });
  });

  it('keeps IT’s server over the one `npm start` offers, and offers it only when IT names none', () => {
    const fromIt = parsePolicy(json({ serverUrl: 'https://espace-client.banque.example' }));
    expect(withDevelopmentServer(fromIt, 'http://127.0.0.1:8080').inForce.serverUrl).toBe('https://espace-client.banque.example');
    const none = withDevelopmentServer(parsePolicy(null), 'http://127.0.0.1:8080/');
    expect(none.inForce).toMatchObject({ serverUrl: 'http://127.0.0.1:8080', serverUrlLocked: false, source: 'SECURE_ACCESS_SERVER_URL' });
    expect(withDevelopmentServer(parsePolicy(null), 'http://bank.example').inForce.errors[0]).toMatch(/SECURE_ACCESS_SERVER_URL/);
  });
});

describe('where the policy is read from', () => {
  it('is the managed preferences on macOS (user-scoped profile first) and /etc on Linux; the registry on Windows', () => {
    expect(policyLocations({ platform: 'linux', userName: 'amartin' })).toEqual(['/etc/secure-access/policy.json']);
    expect(policyLocations({ platform: 'darwin', userName: 'amartin' })).toEqual([
      `/Library/Managed Preferences/amartin/${APP_ID}.plist`,
      `/Library/Managed Preferences/${APP_ID}.plist`,
    ]);
    expect(policyLocations({ platform: 'win32', userName: 'amartin' })).toEqual([]);
    expect(POLICY_REGISTRY_KEY).toBe('SOFTWARE\\Policies\\SecureAccess');
  });
});

/** A registry as Group Policy leaves it: values under HKLM and HKCU, typed. */
function fakeRegistry(hives: Partial<Record<RegistryHive, Record<string, RegistryValue>>>, unreadable: RegistryHive[] = []): RegistryReader & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    values(hive, key) {
      reads.push(`${hive}\\${key}`);
      if (unreadable.includes(hive)) throw new Error('Access is denied');
      const values = key === POLICY_REGISTRY_KEY ? hives[hive] : undefined;
      return values ? new Map(Object.entries(values)) : null;
    },
  };
}
const dword = (value: number): RegistryValue => ({ type: 'number', value });
const sz = (value: string): RegistryValue => ({ type: 'string', value });
const HKLM_KEY = 'HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\SecureAccess';
const HKCU_KEY = 'HKEY_CURRENT_USER\\SOFTWARE\\Policies\\SecureAccess';

describe('the Windows policy, from the registry keys Group Policy and Intune write', () => {
  const windows = (registry: RegistryReader, env: Record<string, string> = {}, development = false) =>
    readPolicy({ platform: 'win32', env, userName: 'amartin', development, registry, files: noFiles });

  it('reads each setting from HKLM with its registry type: DWORD 1/0, strings, JSON in a string', () => {
    const registry = fakeRegistry({
      HKLM: {
        serverUrl: sz('https://espace-client.banque.example'), serverUrlLocked: dword(1), startAtLogin: dword(0), updatesEnabled: dword(0),
        updateServerUrl: sz('https://updates.corp.example/secure-access'), logLevel: sz('warn'),
        proxy: sz('{"mode":"fixed_servers","proxyRules":"https=proxy.corp.example:3128"}'), approvalCodeMinLength: dword(8),
      },
    });
    const policy = windows(registry);
    expect(policy.inForce).toEqual({
      source: HKLM_KEY, serverUrl: 'https://espace-client.banque.example', serverUrlLocked: true, allowAdditionalServers: false,
      startAtLogin: false, updatesEnabled: false, approvalCodeMinLength: 8, errors: [],
    });
    expect(policy.proxy).toEqual({ mode: 'fixed_servers', proxyRules: 'https=proxy.corp.example:3128' });
    expect(policy.updateServerUrl).toBe('https://updates.corp.example/secure-access');
    expect(policy.minimumLogLevel).toBe('warn');
    expect(registry.reads).toEqual([`HKLM\\${POLICY_REGISTRY_KEY}`, `HKCU\\${POLICY_REGISTRY_KEY}`]);
  });

  it('takes from HKCU only what may be set per user, and lets HKLM win', () => {
    const policy = windows(fakeRegistry({
      HKLM: { logLevel: sz('error') },
      HKCU: { serverUrl: sz('https://phishing.example'), serverUrlLocked: dword(1), updateServerUrl: sz('https://evil.example'), proxy: sz('{"mode":"direct"}'), startAtLogin: dword(1), logLevel: sz('info') },
    }));
    expect(policy.inForce).toMatchObject({ source: `${HKLM_KEY} + ${HKCU_KEY}`, serverUrl: null, serverUrlLocked: false, startAtLogin: true });
    expect(policy.proxy).toBeNull();
    expect(policy.updateServerUrl).toBeNull();
    expect(policy.minimumLogLevel).toBe('error');
    expect(policy.inForce.errors).toEqual([
      `"serverUrl" in ${HKCU_KEY} is ignored: only HKEY_LOCAL_MACHINE may set it`,
      `"serverUrlLocked" in ${HKCU_KEY} is ignored: only HKEY_LOCAL_MACHINE may set it`,
      `"updateServerUrl" in ${HKCU_KEY} is ignored: only HKEY_LOCAL_MACHINE may set it`,
      `"proxy" in ${HKCU_KEY} is ignored: only HKEY_LOCAL_MACHINE may set it`,
    ]);
  });

  it('refuses values of the wrong registry type, one by one, and names unknown ones', () => {
    const policy = windows(fakeRegistry({
      HKLM: {
        serverUrl: sz('https://espace-client.banque.example'), serverUrlLocked: sz('true'), updatesEnabled: dword(2),
        proxy: sz('{mode: direct}'), logLevel: { type: 'other', registryType: 'MULTI_SZ' }, ServerURL: sz('https://typo.example'),
      },
    }));
    expect(policy.inForce.serverUrl).toBe('https://espace-client.banque.example');
    expect(policy.inForce.serverUrlLocked).toBe(false);
    expect(policy.inForce.updatesEnabled).toBe(true);
    expect(policy.inForce.errors).toEqual([
      `"serverUrlLocked" must be a REG_DWORD (1 or 0); ignored (${HKLM_KEY})`,
      `"updatesEnabled" must be 1 or 0; ignored (${HKLM_KEY})`,
      `"proxy" must be a JSON object in a REG_SZ string; ignored (${HKLM_KEY})`,
      `"logLevel" must be a REG_SZ string; ignored (${HKLM_KEY})`,
      expect.stringMatching(/^unknown value "ServerURL" in HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\SecureAccess ignored/),
    ]);
  });

  it('gives the defaults without a policy key, and says so when the registry cannot be read', () => {
    expect(windows(fakeRegistry({})).inForce).toEqual(parsePolicy(null).inForce);
    const denied = windows(fakeRegistry({}, ['HKLM']));
    expect(denied.inForce.source).toBe(HKLM_KEY);
    expect(denied.inForce.errors).toEqual([`${HKLM_KEY} cannot be read (Access is denied)`]);
  });

  it('ignores SECURE_ACCESS_POLICY_FILE (and ProgramData) in an installed app, and says so', () => {
    const planted = windows(fakeRegistry({ HKLM: { updatesEnabled: dword(0) } }), { SECURE_ACCESS_POLICY_FILE: 'C:\\ProgramData\\Secure Access\\policy.json', ProgramData: 'C:\\ProgramData' });
    expect(planted.inForce.source).toBe(HKLM_KEY);
    expect(planted.inForce.updatesEnabled).toBe(false);
    expect(planted.inForce.errors).toEqual(['SECURE_ACCESS_POLICY_FILE is ignored outside development builds']);
  });
});

/** Files with an owner and permission bits, as lstat reports them. */
function fakeFiles(entries: Record<string, { kind?: PathStatus['kind']; uid?: number; mode?: number; text?: string }>): FileAccess & { read: string[] } {
  const read: string[] = [];
  const entry = (path: string) => {
    const found = entries[path];
    if (!found) throw Object.assign(new Error(`ENOENT: no such file or directory, lstat '${path}'`), { code: 'ENOENT' });
    return found;
  };
  return {
    read,
    status: (path) => {
      const found = entry(path);
      return { kind: found.kind ?? (found.text === undefined ? 'directory' : 'file'), uid: found.uid ?? 0, mode: found.mode ?? (found.text === undefined ? 0o755 : 0o644) };
    },
    readText: (path) => { read.push(path); return entry(path).text ?? ''; },
    plistToJson: (path) => { read.push(`plutil ${path}`); return entry(path).text ?? ''; },
  };
}
const noFiles = fakeFiles({});
const LINUX_POLICY = '/etc/secure-access/policy.json';
const rootFolders = { '/': {}, '/etc': {}, '/etc/secure-access': {} };

describe('the Linux policy, from /etc when root owns it and no one else can write it', () => {
  const linux = (files: FileAccess, env: Record<string, string> = {}, development = false) =>
    readPolicy({ platform: 'linux', env, userName: 'amartin', development, files });

  it('applies a root-owned file that only root can write', () => {
    const files = fakeFiles({ ...rootFolders, [LINUX_POLICY]: { text: JSON.stringify({ serverUrl: 'https://a.example', serverUrlLocked: true }) } });
    expect(linux(files).inForce).toMatchObject({ source: LINUX_POLICY, serverUrl: 'https://a.example', serverUrlLocked: true, errors: [] });
    expect(untrustedBecause(LINUX_POLICY, files)).toBeNull();
  });

  it('ignores a file another user owns or may write, or that sits in a folder they may write, and says why', () => {
    const planted = JSON.stringify({ serverUrl: 'https://phishing.example', serverUrlLocked: true });
    const cases: Array<[Record<string, { kind?: PathStatus['kind']; uid?: number; mode?: number; text?: string }>, string]> = [
      [{ [LINUX_POLICY]: { text: planted, uid: 1000 } }, `${LINUX_POLICY} is not owned by root`],
      [{ [LINUX_POLICY]: { text: planted, mode: 0o666 } }, `${LINUX_POLICY} is writable by users other than root`],
      [{ [LINUX_POLICY]: { text: planted, mode: 0o664 } }, `${LINUX_POLICY} is writable by users other than root`],
      [{ [LINUX_POLICY]: { text: planted }, '/etc/secure-access': { mode: 0o777 } }, '/etc/secure-access is writable by users other than root'],
      [{ [LINUX_POLICY]: { text: planted }, '/etc/secure-access': { uid: 1000 } }, '/etc/secure-access is not owned by root'],
      [{ [LINUX_POLICY]: { kind: 'symlink', text: planted } }, `${LINUX_POLICY} is a symbolic link`],
      [{ [LINUX_POLICY]: { text: planted }, '/etc/secure-access': { kind: 'symlink' } }, '/etc/secure-access is a symbolic link'],
    ];
    for (const [overrides, reason] of cases) {
      const files = fakeFiles({ ...rootFolders, ...overrides });
      const policy = linux(files);
      expect(policy.inForce, reason).toMatchObject({ source: LINUX_POLICY, serverUrl: null, serverUrlLocked: false });
      expect(policy.inForce.errors, reason).toEqual([`ignored: ${reason}, so it may not come from your administrator`]);
      expect(files.read, reason).toEqual([]);
    }
  });

  it('gives the defaults when there is no file', () => {
    expect(linux(fakeFiles(rootFolders)).inForce).toEqual(parsePolicy(null).inForce);
  });

  it('honours SECURE_ACCESS_POLICY_FILE in development builds only', () => {
    const files = fakeFiles({ ...rootFolders, '/home/dev/policy.json': { uid: 1000, text: '{"updatesEnabled": false}' } });
    const development = linux(files, { SECURE_ACCESS_POLICY_FILE: '/home/dev/policy.json' }, true);
    expect(development.inForce).toMatchObject({ source: '/home/dev/policy.json', updatesEnabled: false, errors: [] });
    const installed = linux(files, { SECURE_ACCESS_POLICY_FILE: '/home/dev/policy.json' }, false);
    expect(installed.inForce).toMatchObject({ updatesEnabled: true, errors: ['SECURE_ACCESS_POLICY_FILE is ignored outside development builds'] });
  });
});

describe('the macOS policy, from the managed preferences MDM installs', () => {
  const device = `/Library/Managed Preferences/${APP_ID}.plist`;
  const user = `/Library/Managed Preferences/amartin/${APP_ID}.plist`;
  const folders = { '/': {}, '/Library': {}, '/Library/Managed Preferences': {}, '/Library/Managed Preferences/amartin': {} };
  const mac = (files: FileAccess) => readPolicy({ platform: 'darwin', env: {}, userName: 'amartin', development: false, files });

  it('converts the plists with plutil; the device profile wins key by key over a user-scoped one', () => {
    const files = fakeFiles({
      ...folders,
      [device]: { text: JSON.stringify({ PayloadUUID: 'x', serverUrl: 'https://a.example', startAtLogin: true }) },
      [user]: { text: JSON.stringify({ serverUrl: 'https://b.example', logLevel: 'warn' }) },
    });
    const policy = mac(files);
    expect(files.read).toEqual([`plutil ${device}`, `plutil ${user}`]);
    expect(policy.inForce).toMatchObject({ source: `${device} + ${user}`, serverUrl: 'https://a.example', startAtLogin: true, errors: [] });
    expect(policy.minimumLogLevel).toBe('warn');
  });

  it('ignores a preferences file that is not root’s, and uses the other', () => {
    const files = fakeFiles({ ...folders, [device]: { uid: 501, text: '{"serverUrl": "https://phishing.example"}' }, [user]: { text: '{"startAtLogin": true}' } });
    const policy = mac(files);
    expect(policy.inForce).toMatchObject({ serverUrl: null, startAtLogin: true });
    expect(policy.inForce.errors).toEqual([`${device}: ignored: ${device} is not owned by root, so it may not come from your administrator`]);
  });
});
