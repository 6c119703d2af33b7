import { describe, expect, it } from 'vitest';
import { createAuthenticator } from '../../../main/core/authenticator';
import { systemClock, type Logger, type SettingsStore } from '../../../main/core/ports';
import { defaultPersistedState, type PersistedStateT } from '../../../main/core/state';
import { createMemoryVault } from '../../../main/platform/memory-vault';
import { createNodeTransport } from '../../../main/platform/node-transport';
import {
  APP_ID, parsePolicy, policyLocations, policyProblemsLine, readPolicy, withDevelopmentServer, type EnterprisePolicy,
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

  it('accepts plain http for a demo server on this machine only', () => {
    expect(parsePolicy(json({ serverUrl: 'http://127.0.0.1:8080' })).inForce.serverUrl).toBe('http://127.0.0.1:8080');
    expect(parsePolicy(json({ serverUrl: 'http://localhost:8080/' })).inForce.serverUrl).toBe('http://localhost:8080');
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
  it('is ProgramData on Windows, /etc on Linux and the managed preferences on macOS', () => {
    expect(policyLocations({ platform: 'win32', env: { ProgramData: 'D:\\ProgramData' }, userName: 'amartin' }))
      .toEqual([expect.stringMatching(/^D:\\ProgramData[\\/]Secure Access[\\/]policy\.json$/)]);
    expect(policyLocations({ platform: 'linux', env: {}, userName: 'amartin' })).toEqual(['/etc/secure-access/policy.json']);
    expect(policyLocations({ platform: 'darwin', env: {}, userName: 'amartin' })).toEqual([
      `/Library/Managed Preferences/amartin/${APP_ID}.plist`,
      `/Library/Managed Preferences/${APP_ID}.plist`,
    ]);
  });

  it('converts a macOS managed-preferences plist with plutil and prefers the user-scoped one', () => {
    const converted: string[] = [];
    const policy = readPolicy({
      platform: 'darwin', env: {}, userName: 'amartin',
      exists: () => true,
      plistToJson: (path) => { converted.push(path); return JSON.stringify({ startAtLogin: true }); },
      readText: () => { throw new Error('a plist is never read as text'); },
    });
    expect(converted).toEqual([`/Library/Managed Preferences/amartin/${APP_ID}.plist`]);
    expect(policy.inForce.startAtLogin).toBe(true);
  });

  it('gives the defaults when no file exists, and says so when one cannot be read', () => {
    expect(readPolicy({ platform: 'linux', env: {}, userName: 'x', exists: () => false }).inForce.source).toBeNull();
    const unreadable = readPolicy({
      platform: 'linux', env: {}, userName: 'x', exists: () => true,
      readText: () => { throw new Error('EACCES: permission denied'); },
    });
    expect(unreadable.inForce.source).toBe('/etc/secure-access/policy.json');
    expect(unreadable.inForce.errors).toEqual(['cannot be read (EACCES: permission denied)']);
  });
});
