/**
 * The keytar KeyVault against a real Secret Service: gnome-keyring in a private D-Bus session
 * (`sh scripts/with-keyring.sh npx vitest run tests/integration/platform`, which `npm test` does).
 */
import { randomUUID } from 'node:crypto';
import keytar from 'keytar';
import { afterEach, describe, expect, it } from 'vitest';
import { fromBase64Url, generateSecretKey, publicKeyOf, toBase64Url, utf8, verifyMessage } from '../../../protocol/index';
import { createKeytarVault, keychainServiceName, type KeytarVault } from '../../../main/platform/keytar-vault';

const vaults: KeytarVault[] = [];
function newVault(): KeytarVault {
  const vault = createKeytarVault({ serviceSuffix: `test ${randomUUID()}` });
  vaults.push(vault);
  return vault;
}

afterEach(async () => {
  for (const vault of vaults.splice(0)) for (const id of await vault.list()) await vault.remove(id);
});

describe('the OS keychain holds each account’s key (keytar over the Secret Service)', () => {
  it('stores one entry per account under the product’s service, and signs without handing the key out', async () => {
    const vault = newVault();
    expect(vault.service).toMatch(/^Secure Access \(test /);
    expect(keychainServiceName()).toBe('Secure Access');
    const key = generateSecretKey();
    const publicKey = publicKeyOf(key);
    await vault.store('acc_keychaintest1', key);
    expect(await vault.has('acc_keychaintest1')).toBe(true);
    expect(await vault.has('acc_keychaintest2')).toBe(false);
    expect(await vault.list()).toEqual(['acc_keychaintest1']);
    // What the keychain holds is the key in base64url, under the account id.
    expect(await keytar.getPassword(vault.service, 'acc_keychaintest1')).toBe(toBase64Url(key));

    const message = utf8('secure-access/v1/request\n…');
    const signature = await vault.sign('acc_keychaintest1', message);
    expect(verifyMessage(signature, message, publicKey)).toBe(true);
  });

  it('keeps services apart: another product suffix sees none of these keys', async () => {
    const first = newVault();
    const second = newVault();
    await first.store('acc_separatekey1', generateSecretKey());
    expect(await second.list()).toEqual([]);
    await expect(second.sign('acc_separatekey1', utf8('x'))).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('removing an account deletes its entry from the keychain', async () => {
    const vault = newVault();
    await vault.store('acc_removedkey01', generateSecretKey());
    expect(await vault.remove('acc_removedkey01')).toBe(true);
    expect(await keytar.getPassword(vault.service, 'acc_removedkey01')).toBeNull();
    expect(await vault.remove('acc_removedkey01')).toBe(false);
    await expect(vault.sign('acc_removedkey01', utf8('x'))).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('a damaged entry is reported as keychain_unavailable, never used', async () => {
    const vault = newVault();
    await keytar.setPassword(vault.service, 'acc_damagedkey01', 'not-a-key');
    await expect(vault.sign('acc_damagedkey01', utf8('x'))).rejects.toMatchObject({ code: 'keychain_unavailable' });
    await keytar.setPassword(vault.service, 'acc_damagedkey01', toBase64Url(new Uint8Array(16)));
    await expect(vault.sign('acc_damagedkey01', utf8('x'))).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('a keychain that cannot be reached is keychain_unavailable, not a crash', async () => {
    const broken = createKeytarVault({
      serviceSuffix: 'unreachable',
      keytar: {
        getPassword: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
        setPassword: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
        deletePassword: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
        findCredentials: () => Promise.reject(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY')),
      },
    });
    await expect(broken.store('acc_unreachable1', generateSecretKey())).rejects.toMatchObject({ code: 'keychain_unavailable' });
    await expect(broken.list()).rejects.toMatchObject({ code: 'keychain_unavailable' });
  });

  it('a stored key is the 32 bytes given, and a wrong size is refused', async () => {
    const vault = newVault();
    const key = generateSecretKey();
    await vault.store('acc_roundtrip001', key);
    expect(fromBase64Url((await keytar.getPassword(vault.service, 'acc_roundtrip001'))!)).toEqual(key);
    await expect(vault.store('acc_roundtrip002', new Uint8Array(31))).rejects.toThrow(TypeError);
    expect(await vault.has('acc_roundtrip002')).toBe(false);
  });
});
