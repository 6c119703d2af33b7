/**
 * Where the device keys live, for real: @napi-rs/keyring against the Secret Service of a throwaway gnome-keyring in
 * a private D-Bus session (`sh scripts/with-keyring.sh npx vitest run tests/integration/platform`, as `npm test`
 * runs it), the Windows layout (wrapped files) with a real cipher standing in for DPAPI, and the move of the keys
 * an earlier version wrote with keytar, read and deleted by keytar itself.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from 'node:crypto';
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AsyncEntry } from '@napi-rs/keyring';
import keytar from 'keytar';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { fromBase64Url, generateSecretKey, publicKeyOf, toBase64Url, utf8, verifyMessage } from '../../../protocol/index';
import type { Logger } from '../../../main/core/ports';
import { createKeyVault, type StoreKeyVault } from '../../../main/platform/key-vault';
import { createKeyringStore } from '../../../main/platform/keyring-store';
import { legacyKeytarServiceName, migrateKeytarKeys, migrateKeytarKeysAtStart } from '../../../main/platform/keytar-migration';
import { createOsSecretStore, localKeyDirectory } from '../../../main/platform/os-vault';
import { keyStoreServiceName, SecretStoreMissing, type SecretStore } from '../../../main/platform/secret-store';
import { createWrappedFileStore, safeStorageProtector, type SecretProtector } from '../../../main/platform/wrapped-file-store';

const silent: Logger = { info() {}, warn() {}, error() {} };
const scratch = mkdtempSync(join(tmpdir(), 'sa-key-store-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup().catch(() => undefined);
});

function secretServiceStore(): { store: SecretStore; service: string } {
  const suffix = `test ${randomUUID()}`;
  const store = createOsSecretStore({ platform: 'linux', suffix, env: {}, home: '/nonexistent' });
  cleanups.push(async () => {
    for (const name of await store.list()) await store.delete(name);
  });
  return { store, service: keyStoreServiceName(suffix) };
}

/** The Secret Service's own answer (over D-Bus, without our code or the library): item paths matching attributes. */
function secretServiceItems(attributes: Record<string, string>): string[] {
  const dictionary = Object.entries(attributes).flat().join(',');
  const reply = execFileSync('dbus-send', [
    '--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets',
    'org.freedesktop.Secret.Service.SearchItems', `dict:string:string:${dictionary}`,
  ], { encoding: 'utf8' });
  return [...reply.matchAll(/object path "([^"]+)"/g)].map((match) => match[1] ?? '');
}

describe('the device key in the Secret Service (Linux), through @napi-rs/keyring', () => {
  it('stores one persistent Secret Service item per account, lists and signs without handing the key out', async () => {
    const { store, service } = secretServiceStore();
    const vault = createKeyVault({ store });
    const key = generateSecretKey();
    await vault.store('acc_keystoretest1', key);
    expect(await vault.has('acc_keystoretest1')).toBe(true);
    expect(await vault.has('acc_keystoretest2')).toBe(false);
    expect(await vault.list()).toEqual(['acc_keystoretest1']);

    // The Secret Service itself (not the kernel keyring the library would fall back to) holds exactly one item.
    expect(secretServiceItems({ service, username: 'acc_keystoretest1' })).toHaveLength(1);
    expect(await new AsyncEntry(service, 'acc_keystoretest1', { linux: { store: 'secret-service' } }).getPassword()).toBe(toBase64Url(key));

    const message = utf8('secure-access/v1/request\n…');
    expect(verifyMessage(await vault.sign('acc_keystoretest1', message), message, publicKeyOf(key))).toBe(true);

    expect(await vault.remove('acc_keystoretest1')).toBe(true);
    expect(await vault.remove('acc_keystoretest1')).toBe(false);
    expect(secretServiceItems({ service, username: 'acc_keystoretest1' })).toEqual([]);
    await expect(vault.sign('acc_keystoretest1', message)).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('keeps services apart, and reports a damaged entry instead of using it', async () => {
    const first = secretServiceStore();
    const second = secretServiceStore();
    await createKeyVault({ store: first.store }).store('acc_separatekey1', generateSecretKey());
    expect(await second.store.list()).toEqual([]);
    await first.store.set('acc_damagedkey01', 'not-a-key');
    await expect(createKeyVault({ store: first.store }).sign('acc_damagedkey01', utf8('x'))).rejects.toMatchObject({ code: 'keychain_unavailable' });
    await first.store.set('acc_damagedkey01', toBase64Url(new Uint8Array(16)));
    await expect(createKeyVault({ store: first.store }).sign('acc_damagedkey01', utf8('x'))).rejects.toMatchObject({ code: 'keychain_unavailable' });
    await expect(createKeyVault({ store: first.store }).store('acc_shortkey0001', new Uint8Array(31))).rejects.toThrow(TypeError);
  });

  it('without a Secret Service: no fallback to the kernel keyring, keychain_missing, and activation refused before any server call', async () => {
    const suffix = `test ${randomUUID()}`;
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'fixtures/without-secret-service.ts'), suffix], {
      encoding: 'utf8', timeout: 60_000,
      env: { ...process.env, DBUS_SESSION_BUS_ADDRESS: `unix:path=${join(scratch, 'no-bus-here')}` },
    });
    expect(child.status, child.stderr).toBe(0);
    const result = JSON.parse(child.stdout) as Record<string, { error?: string; message?: string } | unknown>;
    expect(result.set).toMatchObject({ error: 'SecretStoreMissing', message: expect.stringMatching(/^no Secret Service \(GNOME Keyring, KWallet\) answers on this session/) });
    expect(result.store).toMatchObject({ error: 'keychain_missing' });
    expect(result.list).toMatchObject({ error: 'keychain_missing' });
    expect(result.activation).toMatchObject({ error: 'keychain_missing' });
    expect(result.requests).toEqual([]);
    expect(result.accounts).toBe(0);
    // Nothing went to the Secret Service, nor anywhere the library could fall back to: the same service is empty here.
    expect(await createOsSecretStore({ platform: 'linux', suffix, env: {}, home: '/nonexistent' }).list()).toEqual([]);
    expect(secretServiceItems({ service: keyStoreServiceName(suffix) })).toEqual([]);
  });

  it('is refused on Windows, where keyring-rs writes roaming (CRED_PERSIST_ENTERPRISE) credentials', () => {
    expect(() => createKeyringStore({ service: 'x', platform: 'win32' })).toThrow(/roam/);
  });
});

/** AES-256-GCM under a key of this test: a real cipher in the place of DPAPI, which only Windows has. */
function testProtector(options: { available?: boolean; reEncrypt?: () => boolean } = {}): SecretProtector & { encryptions: number } {
  const key = randomBytes(32);
  const protector = {
    encryptions: 0,
    description: 'test cipher',
    async ensureAvailable() {
      if (options.available === false) throw new SecretStoreMissing('no encryption in this test');
    },
    async encrypt(text: string) {
      protector.encryptions += 1;
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(text, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]);
    },
    async decrypt(data: Buffer) {
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, 12));
      decipher.setAuthTag(data.subarray(12, 28));
      const text = Buffer.concat([decipher.update(data.subarray(28)), decipher.final()]).toString('utf8');
      return { text, shouldReEncrypt: options.reEncrypt?.() ?? false };
    },
  };
  return protector;
}

describe('the device key on Windows: wrapped, in local (non-roaming) app data', () => {
  it('lives under %LOCALAPPDATA%, never under the roaming %APPDATA%', () => {
    const env = { LOCALAPPDATA: 'C:\\Users\\amartin\\AppData\\Local', APPDATA: 'C:\\Users\\amartin\\AppData\\Roaming' };
    expect(localKeyDirectory(env, 'C:\\Users\\amartin')).toBe(join('C:\\Users\\amartin\\AppData\\Local', 'Secure Access', 'keys'));
    expect(localKeyDirectory(env, 'C:\\Users\\amartin', 'Development')).toBe(join('C:\\Users\\amartin\\AppData\\Local', 'Secure Access (Development)', 'keys'));
    expect(localKeyDirectory({}, 'C:\\Users\\amartin')).toBe(join('C:\\Users\\amartin', 'AppData', 'Local', 'Secure Access', 'keys'));
    expect(() => createOsSecretStore({ platform: 'win32', env, home: 'C:\\Users\\amartin' })).toThrow(/safeStorage/);
  });

  it('keeps one wrapped file per account, never the key in clear, replaced whole, and signs with it', async () => {
    const directory = join(scratch, `keys-${randomUUID()}`);
    const protector = testProtector();
    const vault = createKeyVault({ store: createWrappedFileStore({ directory, protector }) });
    const key = generateSecretKey();
    await vault.store('acc_windowskey01', key);
    await vault.store('acc_windowskey01', key);
    await vault.store('acc_windowskey02', generateSecretKey());
    const files = readdirSync(directory).sort();
    expect(files).toEqual([`${Buffer.from('acc_windowskey01').toString('hex')}.key`, `${Buffer.from('acc_windowskey02').toString('hex')}.key`]);
    const onDisk = readFileSync(join(directory, files[0] ?? ''));
    expect(onDisk.includes(Buffer.from(toBase64Url(key)))).toBe(false);
    expect(onDisk.includes(Buffer.from(key))).toBe(false);
    expect((await vault.list()).sort()).toEqual(['acc_windowskey01', 'acc_windowskey02']);
    const message = utf8('x');
    expect(verifyMessage(await vault.sign('acc_windowskey01', message), message, publicKeyOf(key))).toBe(true);
    expect(await vault.remove('acc_windowskey01')).toBe(true);
    expect(await vault.remove('acc_windowskey01')).toBe(false);
    expect(await vault.list()).toEqual(['acc_windowskey02']);
  });

  it('re-wraps a value when safeStorage says its key was rotated', async () => {
    let rotate = true;
    const protector = testProtector({ reEncrypt: () => rotate });
    const store = createWrappedFileStore({ directory: join(scratch, `keys-${randomUUID()}`), protector });
    await store.set('acc_rotatedkey01', 'value');
    expect(protector.encryptions).toBe(1);
    expect(await store.get('acc_rotatedkey01')).toBe('value');
    expect(protector.encryptions).toBe(2);
    rotate = false;
    expect(await store.get('acc_rotatedkey01')).toBe('value');
    expect(protector.encryptions).toBe(2);
  });

  it('refuses without encryption, and safeStorage’s plain-text Linux backends count as none', async () => {
    const vault = createKeyVault({ store: createWrappedFileStore({ directory: join(scratch, 'never'), protector: testProtector({ available: false }) }) });
    await expect(vault.store('acc_noencryption', generateSecretKey())).rejects.toMatchObject({ code: 'keychain_missing' });
    expect(existsSync(join(scratch, 'never'))).toBe(false);

    // The shape of Electron's safeStorage, as it answers on a Linux desktop without a keyring.
    const basicText = {
      getSelectedStorageBackend: () => 'basic_text' as const,
      isAsyncEncryptionAvailable: async () => true,
      encryptStringAsync: async () => { throw new Error('must not be reached'); },
      decryptStringAsync: async () => { throw new Error('must not be reached'); },
    };
    await expect(safeStorageProtector(basicText, 'linux').ensureAvailable()).rejects.toThrow('safeStorage would only obfuscate secrets here (backend basic_text)');
    const unavailable = { ...basicText, getSelectedStorageBackend: () => 'gnome_libsecret' as const, isAsyncEncryptionAvailable: async () => false };
    await expect(safeStorageProtector(unavailable, 'win32').ensureAvailable()).rejects.toBeInstanceOf(SecretStoreMissing);
  });
});

describe('keys an earlier version kept with keytar', () => {
  async function legacyEntries(service: string, count: number): Promise<Array<{ account: string; key: Uint8Array }>> {
    const entries = Array.from({ length: count }, (_, index) => ({ account: `acc_legacykey${String(index).padStart(3, '0')}`, key: generateSecretKey() }));
    for (const entry of entries) await keytar.setPassword(service, entry.account, toBase64Url(entry.key));
    cleanups.push(async () => {
      for (const entry of entries) await keytar.deletePassword(service, entry.account);
    });
    return entries;
  }

  it('move to the Secret Service store at first start, read back before keytar deletes them, and sign as before', async () => {
    const legacyService = legacyKeytarServiceName(`test ${randomUUID()}`);
    const old = await legacyEntries(legacyService, 2);
    const { store } = secretServiceStore();
    const markerFile = join(scratch, `marker-${randomUUID()}`);
    const run = () => migrateKeytarKeysAtStart({ loadKeytar: async () => keytar, service: legacyService, target: store, logger: silent, markerFile });

    expect(await run()).toEqual({ moved: 2, left: 0 });
    expect(await keytar.findCredentials(legacyService)).toEqual([]);
    expect((await store.list()).sort()).toEqual(old.map((entry) => entry.account));
    const vault: StoreKeyVault = createKeyVault({ store });
    for (const entry of old) {
      const message = utf8(`signed by ${entry.account}`);
      expect(verifyMessage(await vault.sign(entry.account, message), message, publicKeyOf(entry.key))).toBe(true);
    }
    // Done once: the marker keeps later starts from loading keytar at all.
    expect(existsSync(markerFile)).toBe(true);
    expect(await migrateKeytarKeysAtStart({ loadKeytar: async () => { throw new Error('keytar must not be loaded again'); }, service: legacyService, target: store, logger: silent, markerFile })).toBeNull();
  });

  it('move to the Windows layout the same way', async () => {
    const legacyService = legacyKeytarServiceName(`test ${randomUUID()}`);
    const [entry] = await legacyEntries(legacyService, 1);
    const store = createWrappedFileStore({ directory: join(scratch, `keys-${randomUUID()}`), protector: testProtector() });
    expect(await migrateKeytarKeys({ loadKeytar: async () => keytar, service: legacyService, target: store, logger: silent })).toEqual({ moved: 1, left: 0 });
    expect(fromBase64Url((await store.get(entry?.account ?? '')) ?? '')).toEqual(entry?.key);
    expect(await keytar.getPassword(legacyService, entry?.account ?? '')).toBeNull();
  });

  it('stay in keytar when the new store refuses them, and are moved at a later start', async () => {
    const legacyService = legacyKeytarServiceName(`test ${randomUUID()}`);
    const old = await legacyEntries(legacyService, 2);
    const { store } = secretServiceStore();
    const failing: SecretStore = { ...store, set: async (name, value) => (name === old[1]?.account ? Promise.reject(new Error('locked')) : store.set(name, value)) };
    const markerFile = join(scratch, `marker-${randomUUID()}`);
    expect(await migrateKeytarKeysAtStart({ loadKeytar: async () => keytar, service: legacyService, target: failing, logger: silent, markerFile })).toEqual({ moved: 1, left: 1 });
    expect((await keytar.findCredentials(legacyService)).map((credential) => credential.account)).toEqual([old[1]?.account]);
    expect(existsSync(markerFile)).toBe(false);
    expect(await migrateKeytarKeysAtStart({ loadKeytar: async () => keytar, service: legacyService, target: store, logger: silent, markerFile })).toEqual({ moved: 1, left: 0 });
    expect((await store.list()).sort()).toEqual(old.map((entry) => entry.account));
  });

  it('give way to a key this version already stored for the same account', async () => {
    const legacyService = legacyKeytarServiceName(`test ${randomUUID()}`);
    const [entry] = await legacyEntries(legacyService, 1);
    const { store } = secretServiceStore();
    const newer = toBase64Url(generateSecretKey());
    await store.set(entry?.account ?? '', newer);
    expect(await migrateKeytarKeys({ loadKeytar: async () => keytar, service: legacyService, target: store, logger: silent })).toEqual({ moved: 1, left: 0 });
    expect(await store.get(entry?.account ?? '')).toBe(newer);
    expect(await keytar.findCredentials(legacyService)).toEqual([]);
  });

  it('leave nothing to do, and say why, where keytar cannot be loaded', async () => {
    const { store } = secretServiceStore();
    const lines: string[] = [];
    const logger: Logger = { ...silent, info: (message) => void lines.push(message) };
    expect(await migrateKeytarKeys({ loadKeytar: async () => { throw new Error('Cannot find module keytar'); }, service: 'x', target: store, logger })).toEqual({ moved: 0, left: null });
    expect(lines).toEqual(['no earlier key store (keytar) to move keys from']);
  });
});
