/**
 * SecretStore for Windows: each value wrapped by Electron's safeStorage (DPAPI, bound to the Windows user) and
 * written to its own file under %LOCALAPPDATA%, the part of the profile that never roams. Unlike a Credential
 * Manager entry written with CRED_PERSIST_ENTERPRISE (keytar, keyring-rs), the wrapped key stays on this computer:
 * a roaming profile carries neither the file nor, therefore, the key to another PC.
 *
 * The wrapping is the SecretProtector's business (safeStorage in the app; tests bring their own), so this file is
 * tested for real here: names to files, atomic replacement, listing, re-wrapping when the protector asks.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { SafeStorage } from 'electron';
import { SecretStoreMissing, type SecretStore } from './secret-store';

export interface SecretProtector {
  readonly description: string;
  /** Throws SecretStoreMissing when this computer cannot protect a secret (as opposed to merely obfuscating it). */
  ensureAvailable(): Promise<void>;
  encrypt(text: string): Promise<Buffer>;
  decrypt(data: Buffer): Promise<{ text: string; shouldReEncrypt: boolean }>;
}

/** Linux backends of safeStorage that protect nothing: a hard-coded password, or no answer yet. */
const UNPROTECTED_LINUX_BACKENDS = new Set(['basic_text', 'unknown']);

/** Electron's asynchronous safeStorage (the synchronous one is deprecated in Electron 45 and gone in 46). */
export function safeStorageProtector(
  safeStorage: Pick<SafeStorage, 'isAsyncEncryptionAvailable' | 'encryptStringAsync' | 'decryptStringAsync' | 'getSelectedStorageBackend'>,
  platform: NodeJS.Platform,
): SecretProtector {
  let available = false;
  return {
    description: platform === 'win32' ? 'Windows DPAPI (Electron safeStorage)' : `Electron safeStorage (${platform})`,
    async ensureAvailable() {
      if (available) return;
      if (platform === 'linux') {
        const backend = safeStorage.getSelectedStorageBackend();
        if (UNPROTECTED_LINUX_BACKENDS.has(backend)) throw new SecretStoreMissing(`safeStorage would only obfuscate secrets here (backend ${backend})`);
      }
      if (!(await safeStorage.isAsyncEncryptionAvailable())) throw new SecretStoreMissing('the operating system offers no encryption to safeStorage');
      available = true;
    },
    encrypt: (text) => safeStorage.encryptStringAsync(text),
    async decrypt(data) {
      const { result, shouldReEncrypt } = await safeStorage.decryptStringAsync(data);
      return { text: result, shouldReEncrypt };
    },
  };
}

const FILE_SUFFIX = '.key';

/** A file name for any name: its UTF-8 bytes in hex (no separator, reserved name or case clash on Windows). */
function fileNameOf(name: string): string {
  return `${Buffer.from(name, 'utf8').toString('hex')}${FILE_SUFFIX}`;
}

function nameOfFile(file: string): string | null {
  const match = /^((?:[0-9a-f]{2})+)\.key$/.exec(file);
  return match?.[1] ? Buffer.from(match[1], 'hex').toString('utf8') : null;
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | null)?.code === 'ENOENT';
}

export interface WrappedFileStoreOptions {
  /** A folder in non-roaming local app data, e.g. %LOCALAPPDATA%\Secure Access\keys. */
  directory: string;
  protector: SecretProtector;
}

export function createWrappedFileStore({ directory, protector }: WrappedFileStoreOptions): SecretStore {
  const pathOf = (name: string) => join(directory, fileNameOf(name));

  async function write(name: string, value: string): Promise<void> {
    const wrapped = await protector.encrypt(value);
    await mkdir(directory, { recursive: true, mode: 0o700 });
    // Written beside, then renamed over: a crash leaves the old value or the new one, never half of either.
    const temporary = join(directory, `.${randomBytes(8).toString('hex')}.tmp`);
    try {
      await writeFile(temporary, wrapped, { mode: 0o600, flush: true });
      await rename(temporary, pathOf(name));
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  return {
    description: `${protector.description}, ${directory}`,
    async get(name) {
      await protector.ensureAvailable();
      let wrapped: Buffer;
      try {
        wrapped = await readFile(pathOf(name));
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
      const { text, shouldReEncrypt } = await protector.decrypt(wrapped);
      if (shouldReEncrypt) await write(name, text);
      return text;
    },
    async set(name, value) {
      await protector.ensureAvailable();
      await write(name, value);
    },
    async delete(name) {
      await protector.ensureAvailable();
      try {
        await unlink(pathOf(name));
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
    },
    async list() {
      await protector.ensureAvailable();
      let files: string[];
      try {
        files = await readdir(directory);
      } catch (error) {
        if (isMissing(error)) return [];
        throw error;
      }
      return files.map(nameOfFile).filter((name): name is string => name !== null);
    },
  };
}
