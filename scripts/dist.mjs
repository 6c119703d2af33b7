// `npm run dist` (and dist:mac, dist:win, dist:linux): builds the production bundles and packages them with
// electron-builder (electron-builder.yml). Before anything slow it checks that the Electron binaries it needs
// can be had (cache, mirror, or SECURE_ACCESS_ELECTRON_DIST) and fails in one plain line when they cannot,
// then says which code signing and notarization will apply. Usage: node scripts/dist.mjs [mac|win|linux]
/* global fetch, AbortSignal -- Node 20 built-ins */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, scriptCommand, toolCommand } from './node-tools.mjs';

const PLATFORMS = {
  mac: { electron: 'darwin', flag: '--mac', arches: ['arm64', 'x64'] },
  win: { electron: 'win32', flag: '--win', arches: ['x64', 'arm64'] },
  linux: { electron: 'linux', flag: '--linux', arches: [process.arch === 'arm64' ? 'arm64' : 'x64'] },
};
const HOST = { darwin: 'mac', win32: 'win', linux: 'linux' }[process.platform] ?? 'linux';
const DEFAULT_MIRROR = 'https://github.com/electron/electron/releases/download/';

class DistError extends Error {}

function fail(message) {
  throw new DistError(message);
}

/** Where @electron/get keeps downloaded zips (ELECTRON_CACHE overrides), as electron-builder looks for them. */
export function electronCacheRoot(env = process.env, platform = process.platform) {
  if (env.ELECTRON_CACHE) return env.ELECTRON_CACHE;
  if (env.electron_config_cache) return env.electron_config_cache;
  if (platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'electron');
  if (platform === 'win32') return join(env.LOCALAPPDATA ?? join(homedir(), 'AppData', 'Local'), 'electron', 'Cache');
  return join(env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'electron');
}

/** Whether the zip is anywhere in the cache (it keeps one folder per download URL). */
function inCache(root, fileName, depth = 2) {
  if (!existsSync(root)) return false;
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (entry === fileName && statSync(path).isFile()) return true;
    if (depth > 0 && statSync(path).isDirectory() && inCache(path, fileName, depth - 1)) return true;
  }
  return false;
}

async function reachable(url) {
  try {
    const response = await fetch(url, { method: 'HEAD', redirect: 'follow', signal: AbortSignal.timeout(10_000) });
    return response.ok ? null : `HTTP ${response.status}`;
  } catch (error) {
    const cause = error?.cause?.code ?? error?.cause?.message ?? error?.name;
    return cause ? `${error.message}: ${cause}` : String(error.message ?? error);
  }
}

/**
 * The prebuilt key-store binaries (@napi-rs/keyring, one npm package per OS and architecture) the installers
 * need and npm did not install, because npm installs only the host's. Windows keeps keys with safeStorage and
 * needs none. Returns the packages missing from node_modules.
 */
export function missingKeyStoreBinaries(target, root = ROOT) {
  const wanted = {
    mac: ['@napi-rs/keyring-darwin-arm64', '@napi-rs/keyring-darwin-x64'],
    win: [],
    linux: [`@napi-rs/keyring-linux-${PLATFORMS.linux.arches[0]}-gnu`],
  }[target];
  return wanted.filter((name) => !existsSync(join(root, 'node_modules', name, 'package.json')));
}

/** Checks that electron-builder will find every Electron zip it needs; returns extra electron-builder arguments. */
export async function checkElectronAvailable(target, version, env = process.env) {
  if (env.SECURE_ACCESS_ELECTRON_DIST) {
    const dist = resolve(env.SECURE_ACCESS_ELECTRON_DIST);
    if (!existsSync(dist)) fail(`cannot package Secure Access: SECURE_ACCESS_ELECTRON_DIST points to ${dist}, which does not exist.`);
    return [`-c.electronDist=${dist}`];
  }
  const cache = electronCacheRoot(env);
  const missing = PLATFORMS[target].arches
    .map((arch) => `electron-v${version}-${PLATFORMS[target].electron}-${arch}.zip`)
    .filter((fileName) => !inCache(cache, fileName));
  if (missing.length === 0) return [];
  if (env.HTTPS_PROXY || env.https_proxy || env.ELECTRON_GET_USE_PROXY) return []; // Node's fetch cannot test a proxied download: let electron-builder try.
  const mirror = env.ELECTRON_MIRROR ?? env.npm_config_electron_mirror ?? DEFAULT_MIRROR;
  const directory = env.ELECTRON_CUSTOM_DIR ?? `v${version}`;
  const url = `${mirror.endsWith('/') ? mirror : `${mirror}/`}${directory}/${missing[0]}`;
  const problem = await reachable(url);
  if (problem === null) return [];
  fail(
    `cannot package Secure Access here: the Electron ${version} binary ${missing[0]} is not in the cache (${cache}) and cannot be downloaded from ${url} (${problem}); ` +
      'put the zip in that cache, set ELECTRON_MIRROR to a reachable mirror, or set SECURE_ACCESS_ELECTRON_DIST to an unpacked Electron.',
  );
}

/** A Windows publisher pin worth the name: a full distinguished name with the organisation, not a bare common name. */
export function isFullDistinguishedName(value) {
  return typeof value === 'string' && /(^|,)\s*CN=/i.test(value) && /(^|,)\s*O=/i.test(value);
}

/**
 * What will be signed and notarized, one plain line each, the electron-builder arguments that follow, and the
 * problem that stops the build (electron-builder.yml sets forceCodeSigning: no unsigned installer by accident).
 * SECURE_ACCESS_UNSIGNED=1 makes an unsigned test build instead, which says so and never updates itself.
 */
export function signingPlan(target, env = process.env) {
  const lines = [];
  const args = [];
  const missing = [];
  const unsigned = env.SECURE_ACCESS_UNSIGNED === '1';
  if (target === 'mac') {
    if (env.CSC_LINK || env.CSC_NAME) lines.push('macOS signing: the Developer ID certificate from CSC_LINK/CSC_NAME (PKG: CSC_INSTALLER_LINK or the keychain), the DMG too.');
    else lines.push('macOS signing: a "Developer ID Application" identity from the keychain; the build fails if there is none.');
    if (env.APPLE_API_KEY && env.APPLE_API_KEY_ID && env.APPLE_API_ISSUER) lines.push('macOS notarization: with the App Store Connect API key (the app, then the DMG and the PKG, stapled).');
    else if (env.APPLE_ID && env.APPLE_APP_SPECIFIC_PASSWORD && env.APPLE_TEAM_ID) lines.push('macOS notarization: with the Apple ID (the app, then the DMG and the PKG, stapled).');
    else if (env.APPLE_KEYCHAIN_PROFILE) lines.push('macOS notarization: with the keychain profile (the app, then the DMG and the PKG, stapled).');
    else lines.push('macOS notarization: skipped, because APPLE_API_KEY, APPLE_API_KEY_ID and APPLE_API_ISSUER (or APPLE_ID, APPLE_APP_SPECIFIC_PASSWORD and APPLE_TEAM_ID) are not set; Gatekeeper will block the app.');
  }
  if (target === 'win') {
    const azure = ['ENDPOINT', 'ACCOUNT_NAME', 'CERTIFICATE_PROFILE_NAME', 'PUBLISHER_NAME'].map((key) => env[`AZURE_TRUSTED_SIGNING_${key}`]);
    if (azure.every(Boolean)) {
      const [endpoint, account, profile, publisher] = azure;
      args.push(
        `-c.win.azureSignOptions.endpoint=${endpoint}`,
        `-c.win.azureSignOptions.codeSigningAccountName=${account}`,
        `-c.win.azureSignOptions.certificateProfileName=${profile}`,
        `-c.win.azureSignOptions.publisherName=${publisher}`,
      );
      lines.push(`Windows signing: Azure Trusted Signing, profile ${profile} (credentials from AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET).`);
    } else if (env.WIN_CSC_LINK || env.CSC_LINK) {
      lines.push('Windows signing: the certificate from WIN_CSC_LINK/CSC_LINK.');
    } else {
      missing.push('a code-signing certificate (CSC_LINK + CSC_KEY_PASSWORD, or AZURE_TRUSTED_SIGNING_ENDPOINT, _ACCOUNT_NAME, _CERTIFICATE_PROFILE_NAME and _PUBLISHER_NAME)');
    }
    const publisher = env.SECURE_ACCESS_WINDOWS_PUBLISHER;
    if (isFullDistinguishedName(publisher)) {
      // app-update.yml carries it too; the app checks installers against the copy pinned in its bundle.
      args.push(`-c.publish.publisherName=${publisher}`);
      lines.push(`Windows updates: installers must be signed by exactly "${publisher}".`);
    } else {
      missing.push('SECURE_ACCESS_WINDOWS_PUBLISHER, the full subject of that certificate (e.g. CN="Banque Exemple SA", O="Banque Exemple SA", L=Paris, C=FR), which the app pins to check its updates');
    }
  }
  if (target === 'linux') lines.push('Linux: AppImage and deb are not code-signed and do not update themselves; publish their SHA-256 sums next to them.');
  if (unsigned) {
    args.push('-c.forceCodeSigning=false');
    lines.push('UNSIGNED TEST BUILD (SECURE_ACCESS_UNSIGNED=1): not for distribution; Windows and macOS will warn, and it never updates itself.');
    return { lines, args, problem: null };
  }
  const problem = missing.length > 0 ? `cannot package signed Windows installers: set ${missing.join('; and ')} (or SECURE_ACCESS_UNSIGNED=1 for an unsigned test build).` : null;
  return { lines, args, problem };
}

function run(name, [program, args]) {
  const result = spawnSync(program, args, { stdio: 'inherit', cwd: ROOT });
  if (result.status !== 0) fail(`${name} failed (${result.error ? result.error.message : `exit ${result.status ?? result.signal}`}).`);
}

async function main() {
  const target = process.argv[2] ?? HOST;
  if (!Object.hasOwn(PLATFORMS, target)) fail(`unknown platform "${target}": use mac, win or linux.`);
  if (target === 'mac' && process.platform !== 'darwin') fail('cannot package Secure Access for macOS here: DMG and PKG installers are built, signed and notarized on macOS only.');
  const version = JSON.parse(readFileSync(join(ROOT, 'node_modules/electron/package.json'), 'utf8')).version;
  const missingBinaries = missingKeyStoreBinaries(target);
  if (missingBinaries.length > 0) {
    const cpus = PLATFORMS[target].arches.map((arch) => `--cpu=${arch}`).join(' ');
    fail(`cannot package Secure Access for ${target}: ${missingBinaries.join(', ')} (the key store's native module) is not installed; run \`npm install --no-save --os=${PLATFORMS[target].electron} ${cpus} ${missingBinaries.join(' ')}\` first.`);
  }
  const electronArgs = await checkElectronAvailable(target, version);
  const plan = signingPlan(target);
  if (plan.problem) fail(plan.problem);
  for (const line of plan.lines) console.log(line);
  run('the build', scriptCommand('scripts/build.mjs'));
  run('the production build of main and preload', scriptCommand('scripts/build-main.mjs', ['--production']));
  run('electron-builder', toolCommand('electron-builder', 'electron-builder', ['--config', 'electron-builder.yml', PLATFORMS[target].flag, '--publish', 'never', ...electronArgs, ...plan.args]));
  console.log('installers written to out/installers');
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((error) => {
    console.error(error instanceof DistError ? `npm run dist: ${error.message}` : `npm run dist: ${error?.message ?? error}`);
    process.exit(1);
  });
}
