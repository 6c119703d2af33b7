/**
 * The self-install shelf: the desktop installers the bank publishes, read from a folder IT fills (SA_DOWNLOADS_DIR),
 * each with its platform, version, size and SHA-256, and the mobile store links it configured. Only files whose name
 * says they are an installer are listed, and only listed files are served: nothing else in that folder leaves it.
 */
import { createHash } from 'node:crypto';
import { createReadStream, type ReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { InstallerViewT, MobileAppsT } from '../../protocol/index';

const FORMATS: ReadonlyArray<{ suffix: string; format: InstallerViewT['format']; platform: InstallerViewT['platform'] }> = [
  { suffix: '.exe', format: 'exe', platform: 'windows' },
  { suffix: '.msi', format: 'msi', platform: 'windows' },
  { suffix: '.dmg', format: 'dmg', platform: 'mac' },
  { suffix: '.pkg', format: 'pkg', platform: 'mac' },
  { suffix: '.appimage', format: 'AppImage', platform: 'linux' },
  { suffix: '.deb', format: 'deb', platform: 'linux' },
];
const PLATFORM_ORDER: InstallerViewT['platform'][] = ['windows', 'mac', 'linux'];
const ARCHES: ReadonlyArray<[RegExp, string]> = [
  [/(?:^|[-_. ])(x64|amd64|x86_64)(?=[-_.]|$)/i, 'x64'],
  [/(?:^|[-_. ])(arm64|aarch64)(?=[-_.]|$)/i, 'arm64'],
  [/(?:^|[-_. ])(ia32|i386|x86)(?=[-_.]|$)/i, 'x86'],
  [/(?:^|[-_. ])(universal)(?=[-_.]|$)/i, 'universal'],
];

/** "Secure Access-Setup-1.4.0-x64.exe", "secure-access_1.4.0_amd64.deb": what electron-builder names them. */
export function describeInstallerName(fileName: string): Pick<InstallerViewT, 'platform' | 'format' | 'version' | 'arch'> | null {
  if (fileName.startsWith('.') || /[/\\]/.test(fileName)) return null;
  const kind = FORMATS.find((candidate) => fileName.toLowerCase().endsWith(candidate.suffix));
  if (!kind) return null;
  // The architecture is not part of the version ("1.4.0-x86_64" is 1.4.0 for x86_64): it goes before the version is read.
  const withoutArch = ARCHES.reduce((name, [pattern]) => name.replace(pattern, ''), fileName);
  const version = /(?:^|[-_ ])v?(\d+\.\d+\.\d+(?:-[0-9A-Za-z]+(?:\.[0-9A-Za-z]+)*)?)(?=[-_.])/.exec(withoutArch)?.[1] ?? null;
  const arch = ARCHES.find(([pattern]) => pattern.test(fileName))?.[1] ?? null;
  return { platform: kind.platform, format: kind.format, version, arch };
}

interface Hashed {
  size: number;
  mtimeMs: number;
  sha256: Promise<string>;
}

function sha256Of(path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const hash = createHash('sha256');
    createReadStream(path).on('error', reject).on('data', (chunk) => hash.update(chunk)).on('end', () => resolve(hash.digest('hex')));
  });
}

export interface MobileStoreLinks {
  bankApp?: { appStore?: string; playStore?: string; appGallery?: string };
  secureAccessApp?: { appStore?: string; playStore?: string };
}

/** A store link must be an https:// URL: anything else would make the portal show a link to who knows where. */
export function checkStoreLink(name: string, value: string | undefined): string | null {
  if (value === undefined || value === '') return null;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(`${name} is not a URL: "${value}"`);
  }
  if (url.protocol !== 'https:') throw new Error(`${name} must be an https:// URL: "${value}"`);
  return url.href;
}

export function mobileAppsOf(links: MobileStoreLinks = {}): MobileAppsT {
  return {
    bankApp: {
      appStore: checkStoreLink('the bank app’s App Store link', links.bankApp?.appStore),
      playStore: checkStoreLink('the bank app’s Google Play link', links.bankApp?.playStore),
      appGallery: checkStoreLink('the bank app’s AppGallery link', links.bankApp?.appGallery),
    },
    secureAccessApp: {
      appStore: checkStoreLink('the Secure Access app’s App Store link', links.secureAccessApp?.appStore),
      playStore: checkStoreLink('the Secure Access app’s Google Play link', links.secureAccessApp?.playStore),
    },
  };
}

export class InstallerShelf {
  /** Hashes by file name, recomputed when the file's size or time changes (a new build dropped in place). */
  readonly #hashes = new Map<string, Hashed>();

  constructor(readonly directory: string | null) {}

  /** Every installer in the folder now, Windows then macOS then Linux; none when no folder is configured or it is missing. */
  async list(): Promise<InstallerViewT[]> {
    if (!this.directory) return [];
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return [];
    }
    const installers: InstallerViewT[] = [];
    for (const fileName of names.sort()) {
      const described = describeInstallerName(fileName);
      if (!described) continue;
      const found = await this.#fileInfo(fileName);
      if (!found) continue;
      installers.push({ ...described, fileName, sizeBytes: found.size, sha256: await found.sha256, url: `/downloads/${encodeURIComponent(fileName)}` });
    }
    const rank = (installer: InstallerViewT) => PLATFORM_ORDER.indexOf(installer.platform) * 10 + FORMATS.findIndex((format) => format.format === installer.format);
    return installers.sort((a, b) => rank(a) - rank(b) || a.fileName.localeCompare(b.fileName));
  }

  /** The file to send for a name the listing gives, or null (not an installer, not there): never a path from outside. */
  async open(fileName: string): Promise<{ stream: ReadStream; size: number; sha256: string } | null> {
    if (!this.directory || !describeInstallerName(fileName)) return null;
    const names = await readdir(this.directory).catch(() => [] as string[]);
    if (!names.includes(fileName)) return null;
    const found = await this.#fileInfo(fileName);
    if (!found) return null;
    return { stream: createReadStream(join(this.directory, fileName)), size: found.size, sha256: await found.sha256 };
  }

  async #fileInfo(fileName: string): Promise<Hashed | null> {
    if (!this.directory) return null;
    const path = join(this.directory, fileName);
    const info = await stat(path).catch(() => null);
    if (!info?.isFile()) return null;
    const known = this.#hashes.get(fileName);
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known;
    const hashed: Hashed = { size: info.size, mtimeMs: info.mtimeMs, sha256: sha256Of(path) };
    // A failed read is not remembered: the next request tries again.
    hashed.sha256.catch(() => this.#hashes.delete(fileName));
    this.#hashes.set(fileName, hashed);
    return hashed;
  }
}
