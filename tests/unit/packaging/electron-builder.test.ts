import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { runInNewContext } from 'node:vm';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import Ajv from 'ajv';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { APP_ID } from '../../../main/platform/policy';
import { appIconPng } from '../../../main/shell/icons';
import { NSIS_UNINSTALLER } from '../../../main/shell/updates';
import { readPng } from '../shell/fixtures';
import { createFakePreloadElectron } from '../../harness/fake-electron';
import { BRIDGE_EVENTS, BRIDGE_METHODS, invokeChannel } from '../../../preload/contract';

const root = resolve(import.meta.dirname, '../../..');
const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- electron-builder's config is checked against its own schema below, not typed here
type Config = Record<string, any>;
const config = parse(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as Config;
const packageJson = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  main: string; dependencies: Record<string, string>; optionalDependencies: Record<string, string>; version: string;
};

/** electron-builder's own JSON schema, shipped in its package, with its one custom keyword. */
let compiled: ReturnType<Ajv['compile']> | null = null;
function schemaValidator() {
  if (compiled) return compiled;
  const schema = JSON.parse(readFileSync(require.resolve('app-builder-lib/scheme.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  ajv.addKeyword({ keyword: 'typeof', validate: (type: string, data: unknown) => typeof data === type });
  compiled = ajv.compile(schema);
  return compiled;
}

describe('electron-builder.yml', () => {
  it('is valid against electron-builder’s own schema', () => {
    const validate = schemaValidator();
    expect(validate(config), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it('would be refused by that schema with a misspelt option (the check is real)', () => {
    const validate = schemaValidator();
    expect(validate({ ...config, nsis: { ...config.nsis, perMachin: false } })).toBe(false);
    expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNode: 'no' } })).toBe(false);
    expect(validate({ ...config, mac: { ...config.mac, target: [...config.mac.target, { target: 'zip', archs: ['arm64'] }] } })).toBe(false);
    expect(validate({ ...config, forceCodeSigning: 'yes' })).toBe(false);
  });

  it('names the product and the id the policy reader and the updater expect', () => {
    expect(config.appId).toBe(APP_ID);
    expect(config.productName).toBe('Secure Access');
    expect(NSIS_UNINSTALLER).toBe(`Uninstall ${config.productName}.exe`);
    expect(packageJson.main).toBe('dist/main/index.js');
  });

  it('flips the fuses: no run-as-node, no NODE_OPTIONS or inspect arguments, app only from an integrity-checked asar', () => {
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    expect(config.asar).toBe(true);
    expect(config.npmRebuild).toBe(true);
  });

  it('builds a DMG, a PKG and the zip electron-updater needs, for Apple silicon and Intel, hardened, with JIT as the only entitlement, notarized', () => {
    expect(config.mac.target).toEqual([
      { target: 'dmg', arch: ['arm64', 'x64'] },
      { target: 'pkg', arch: ['arm64', 'x64'] },
      { target: 'zip', arch: ['arm64', 'x64'] },
    ]);
    // The DMG is signed itself, then notarized and stapled with the PKG by the hook.
    expect(config.dmg.sign).toBe(true);
    expect(config.afterAllArtifactBuild).toBe('build/notarize-installers.cjs');
    expect(config.mac.hardenedRuntime).toBe(true);
    expect(config.mac.notarize).toBe(true);
    const entitlements = readFileSync(join(root, config.mac.entitlements as string), 'utf8');
    expect([...entitlements.matchAll(/<key>([^<]+)<\/key>/g)].map((match) => match[1])).toEqual(['com.apple.security.cs.allow-jit']);
    expect(config.mac.entitlementsInherit).toBe(config.mac.entitlements);
    expect(config.pkg).toMatchObject({ installLocation: '/Applications', allowCurrentUserHome: false });
  });

  it('builds a per-user NSIS installer that needs no administrator rights and a per-machine MSI with a fixed upgrade code', () => {
    expect(config.win.target).toEqual([{ target: 'nsis', arch: ['x64', 'arm64'] }, { target: 'msi', arch: ['x64'] }]);
    expect(config.win.requestedExecutionLevel).toBe('asInvoker');
    expect(config.nsis).toMatchObject({ perMachine: false, allowElevation: false, packElevateHelper: false });
    expect(config.msi.perMachine).toBe(true);
    // Never to change: GPO/SCCM upgrade in place by this code.
    expect(config.msi.upgradeCode).toBe('3BFB10C3-860F-47D5-BC84-1C657C847BEE');
    expect(config.msi.upgradeCode).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('builds an AppImage and a deb with no update feed, and publishes Windows and macOS updates to a generic https server', () => {
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.linux.publish).toBeNull();
    expect(config.publish.provider).toBe('generic');
    expect(config.publish.url).toMatch(/^https:\/\//);
  });

  it('never makes an unsigned Windows or macOS installer by accident', () => {
    expect(config.forceCodeSigning).toBe(true);
    expect(config.win.forceCodeSigning).toBeUndefined();
    expect(config.mac.forceCodeSigning).toBeUndefined();
  });

  it('names the combined x64 + arm64 NSIS installer that latest.yml points to, and the per-architecture MSI', () => {
    const { expandMacro } = require('app-builder-lib/out/util/macroExpander.js') as {
      expandMacro(pattern: string, arch: string | null, appInfo: object, extra: Record<string, string>): string;
    };
    const appInfo = { sanitizedProductName: config.productName, productName: config.productName, version: '1.4.0', channel: null };
    // Two architectures in one NSIS target: one installer holding both, its name without an architecture.
    expect(config.nsis.buildUniversalInstaller).toBeUndefined();
    expect(expandMacro(config.nsis.artifactName as string, null, appInfo, { ext: 'exe' })).toBe('Secure Access-Setup-1.4.0.exe');
    expect(expandMacro(config.msi.artifactName as string, 'x64', appInfo, { ext: 'msi' })).toBe('Secure Access-1.4.0-x64.msi');
  });
});

describe('what goes into the package', () => {
  type Filter = (file: string, stat: { isDirectory(): boolean }) => boolean;
  // electron-builder's own matcher (internal, hence the local type): exactly the rule the packaging applies.
  const { getMainFileMatchers } = require('app-builder-lib/out/fileMatcher.js') as {
    getMainFileMatchers(appDir: string, destination: string, macroExpander: (pattern: string) => string, options: object, packager: object, outDir: string, isElectronCompile: boolean): Array<{ createFilter(): Filter }>;
  };

  function packagedFiles(builderConfig: Config, candidates: string[]): string[] {
    const packager = { info: { isPrepackedAppAsar: false, config: builderConfig, projectDir: root, buildResourcesDir: 'build', debugLogger: { isEnabled: false } } };
    const [matcher] = getMainFileMatchers(root, '/tmp/app', (pattern) => pattern, {}, packager, join(root, builderConfig.directories.output as string), false);
    const filter = matcher?.createFilter();
    if (!filter) throw new Error('no file matcher');
    const file = { isDirectory: () => false };
    const folder = { isDirectory: () => true };
    // A file is copied when it and every folder above it pass (electron-builder walks the tree).
    return candidates.filter((path) => {
      const parts = path.split('/');
      const folders = parts.slice(0, -1).map((_, index) => parts.slice(0, index + 1).join('/'));
      return folders.every((dir) => filter(join(root, dir), folder)) && filter(join(root, path), file);
    });
  }

  /** The whole repository as it stands, plus a complete build output with its source maps. */
  function candidates(): string[] {
    const tracked = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
    const built = [
      'dist/main/index.js', 'dist/main/index.js.map', 'dist/preload/index.cjs', 'dist/preload/index.cjs.map',
      'dist/renderer/index.html', 'dist/renderer/assets/index-4f2a.js', 'dist/renderer/assets/index-4f2a.js.map', 'dist/renderer/assets/index-9c1b.css',
      'server/portal/dist/index.html', 'out/installers/latest.yml', 'coverage/index.html',
    ];
    return [...new Set([...tracked, ...built])];
  }

  it('holds only package.json and the built main, preload and renderer, without source maps', () => {
    const all = candidates();
    expect(all.some((path) => path.startsWith('tests/'))).toBe(true);
    const packaged = packagedFiles(config, all);
    expect(packaged).toEqual(expect.arrayContaining(['package.json', 'dist/main/index.js', 'dist/preload/index.cjs', 'dist/renderer/index.html', 'dist/renderer/assets/index-4f2a.js']));
    for (const path of packaged) {
      expect(path === 'package.json' || /^dist\/(main|preload|renderer)\//.test(path), path).toBe(true);
      expect(path, path).not.toMatch(/\.map$|^(tests|server|docs|protocol|main|preload|renderer|scripts|build|deploy|bench)\//);
    }
  });

  it('would let tests, the server and the docs in with a careless files list (the check is real)', () => {
    const packaged = packagedFiles({ ...config, files: ['**/*'] }, candidates());
    expect(packaged.some((path) => path.startsWith('tests/'))).toBe(true);
    expect(packaged.some((path) => path.startsWith('server/'))).toBe(true);
  });
});

describe('the production build of main and preload', () => {
  let outdir: string;

  beforeAll(() => {
    outdir = mkdtempSync(join(tmpdir(), 'sa-dist-'));
    execFileSync('node', ['scripts/build-main.mjs', '--outdir', outdir, '--production'], { cwd: root, stdio: 'pipe' });
  });
  afterAll(() => rmSync(outdir, { recursive: true, force: true }));

  const files = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => (statSync(join(dir, entry)).isDirectory() ? files(join(dir, entry)) : [relative(outdir, join(dir, entry))]));

  it('writes the ESM main and the CommonJS preload the app loads, with no source map', () => {
    expect(files(outdir).sort()).toEqual(['main/index.js', 'preload/index.cjs']);
  });

  it('gives the sandboxed preload nothing to require but electron', () => {
    const preload = readFileSync(join(outdir, 'preload/index.cjs'), 'utf8');
    expect([...preload.matchAll(/require\(["']([^"']+)["']\)/g)].map((match) => match[1])).toEqual(['electron']);
    expect(preload).toContain('exposeInMainWorld("secureAccess"');
  });

  it('defines window.secureAccess when the bundled preload runs with nothing but electron to require', async () => {
    const electron = createFakePreloadElectron();
    const module = { exports: {} };
    const sandbox = {
      module, exports: module.exports,
      require: (name: string) => {
        if (name === 'electron') return electron;
        throw new Error(`a sandboxed preload cannot require ${name}`);
      },
    };
    runInNewContext(readFileSync(join(outdir, 'preload/index.cjs'), 'utf8'), sandbox);
    const api = electron.contextBridge.windowProperty('secureAccess') as Record<string, (input?: unknown) => Promise<unknown>>;
    expect(Object.keys(api).sort()).toEqual([...BRIDGE_METHODS, ...BRIDGE_EVENTS].sort());
    electron.ipcRenderer.answer = () => ({ ok: false, error: { code: 'validation_expired', message: 'Expired' } });
    await expect(api.listPending?.()).rejects.toMatchObject({ name: 'BridgeError', code: 'validation_expired' });
    expect(electron.ipcRenderer.invocations).toEqual([{ channel: invokeChannel('listPending'), args: [undefined] }]);
  });

  it('imports at run time only Node built-ins, electron and modules the package ships as production dependencies', () => {
    const main = readFileSync(join(outdir, 'main/index.js'), 'utf8');
    const specifiers = new Set([...main.matchAll(/(?:^import [^'"]*?from |import\()["']([^"']+)["']/gm)].map((match) => match[1] ?? ''));
    const shipped = (name: string) => {
      const top = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0] ?? name;
      if (Object.hasOwn(packageJson.dependencies, top) || Object.hasOwn(packageJson.optionalDependencies, top)) return true;
      // A dependency of a production dependency is shipped too (conf comes with electron-store).
      return Object.keys(packageJson.dependencies).some((dependency) => {
        const manifest = JSON.parse(readFileSync(join(root, 'node_modules', dependency, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
        return Object.hasOwn(manifest.dependencies ?? {}, top);
      });
    };
    const unexpected = [...specifiers].filter((name) => !name.startsWith('node:') && !builtinModules.includes(name) && name !== 'electron' && !shipped(name));
    expect(specifiers.size).toBeGreaterThan(3);
    expect(unexpected).toEqual([]);
    expect(main).not.toMatch(/from ["'](fastify|kysely|better-sqlite3|pg|playwright-core|vitest)["']/);
  });
});

describe('the application icon', () => {
  it('is the committed build/icon.png, 1024 px, drawn by the same code as the tray icons', () => {
    const committed = readFileSync(join(root, 'build/icon.png'));
    expect(readPng(committed).size).toBe(1024);
    expect(committed.equals(appIconPng(1024)), 'build/icon.png is stale: run npx tsx build/generate-icons.ts').toBe(true);
    expect(existsSync(join(root, 'build/entitlements.mac.plist'))).toBe(true);
  });
});

describe('the hook that notarizes the DMG and the PKG themselves', () => {
  type Hook = ((result: { artifactPaths: string[] }, deps: { notarize: (options: Record<string, string>) => Promise<void>; env: Record<string, string>; log: (line: string) => void }) => Promise<string[]>)
    & { credentials(env: Record<string, string>): Record<string, string> | null };
  const hook = require(join(root, 'build/notarize-installers.cjs')) as Hook;
  const artifacts = { artifactPaths: ['/out/Secure Access-1.4.0-arm64.dmg', '/out/Secure Access-1.4.0-arm64.pkg', '/out/Secure Access-1.4.0-arm64-mac.zip', '/out/latest-mac.yml'] };

  it('notarizes and staples each DMG and PKG with the credentials electron-builder uses', async () => {
    const submitted: Array<Record<string, string>> = [];
    const env = { APPLE_API_KEY: '/keys/AuthKey.p8', APPLE_API_KEY_ID: 'ABC123', APPLE_API_ISSUER: 'issuer-id' };
    expect(await hook(artifacts, { notarize: async (options) => void submitted.push(options), env, log: () => {} })).toEqual([]);
    expect(submitted).toEqual([
      { appPath: '/out/Secure Access-1.4.0-arm64.dmg', appleApiKey: '/keys/AuthKey.p8', appleApiKeyId: 'ABC123', appleApiIssuer: 'issuer-id' },
      { appPath: '/out/Secure Access-1.4.0-arm64.pkg', appleApiKey: '/keys/AuthKey.p8', appleApiKeyId: 'ABC123', appleApiIssuer: 'issuer-id' },
    ]);
    expect(hook.credentials({ APPLE_ID: 'a@b.example', APPLE_APP_SPECIFIC_PASSWORD: 'p', APPLE_TEAM_ID: 'T' })).toEqual({ appleId: 'a@b.example', appleIdPassword: 'p', teamId: 'T' });
  });

  it('says which installers stay un-notarized without credentials, and fails the build when notarization fails', async () => {
    const lines: string[] = [];
    await hook(artifacts, { notarize: async () => { throw new Error('unused'); }, env: {}, log: (line) => void lines.push(line) });
    expect(lines).toEqual(['not notarized (no Apple credentials): /out/Secure Access-1.4.0-arm64.dmg, /out/Secure Access-1.4.0-arm64.pkg']);
    const env = { APPLE_KEYCHAIN_PROFILE: 'notary' };
    await expect(hook(artifacts, { notarize: async () => { throw new Error('The software asset has already been uploaded'); }, env, log: () => {} }))
      .rejects.toThrow('already been uploaded');
  });
});
