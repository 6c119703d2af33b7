/**
 * The OS key store of this platform, on this computer only (docs/architecture.md, "Where the device key lives"):
 * - macOS: the login keychain (@napi-rs/keyring), which does not roam;
 * - Linux: the Secret Service (@napi-rs/keyring pinned to it: no in-memory fallback), refused when there is none;
 * - Windows: DPAPI through Electron's safeStorage, the wrapped key in %LOCALAPPDATA% (never roams), because every
 *   maintained Credential Manager binding writes CRED_PERSIST_ENTERPRISE, which follows a roaming profile.
 */
import { join } from 'node:path';
import { createKeyringStore, type KeyringModule } from './keyring-store';
import { keyStoreServiceName, type SecretStore } from './secret-store';
import { createWrappedFileStore, type SecretProtector } from './wrapped-file-store';

/** %LOCALAPPDATA%\Secure Access\keys: local app data is the part of a Windows profile that never roams. */
export function localKeyDirectory(env: Record<string, string | undefined>, home: string, suffix?: string): string {
  const localAppData = env.LOCALAPPDATA ?? join(home, 'AppData', 'Local');
  return join(localAppData, suffix ? `Secure Access (${suffix})` : 'Secure Access', 'keys');
}

export interface OsSecretStoreOptions {
  platform: NodeJS.Platform;
  /** Keeps development builds and tests apart ("Development", a test run id). */
  suffix?: string;
  env: Record<string, string | undefined>;
  home: string;
  /** Windows: Electron's safeStorage (safeStorageProtector). */
  protector?: SecretProtector;
  keyring?: KeyringModule;
}

export function createOsSecretStore(options: OsSecretStoreOptions): SecretStore {
  if (options.platform === 'win32') {
    if (!options.protector) throw new Error('the Windows key store needs safeStorage');
    return createWrappedFileStore({ directory: localKeyDirectory(options.env, options.home, options.suffix), protector: options.protector });
  }
  return createKeyringStore({ service: keyStoreServiceName(options.suffix), platform: options.platform, keyring: options.keyring });
}
