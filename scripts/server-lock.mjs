// Writes server/npm-shrinkwrap.json: the production install of the reference server (`npm ci --omit=dev` in a copy of
// server/) gets exactly the versions the repository's own lockfile installs, tests and benchmarks, not whatever the
// registry holds on the day. It is derived, not resolved: the packages reachable from server/package.json's
// dependencies, taken from package-lock.json at the same places, with the dev flags dropped.
// Run after changing a dependency of the server (tests/unit/packaging/server-package.test.ts says when it is stale).
//   node scripts/server-lock.mjs          write it
//   node scripts/server-lock.mjs --check  exit 1 if the committed file differs
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

/** Where Node would find `name` from the package installed at `location` ('' is the root). */
function resolveLocation(packages, location, name) {
  let from = location;
  for (;;) {
    const candidate = from === '' ? `node_modules/${name}` : `${from}/node_modules/${name}`;
    if (packages[candidate]) return candidate;
    if (from === '') return null;
    const cut = from.lastIndexOf('/node_modules/');
    from = cut === -1 ? '' : from.slice(0, cut);
  }
}

export function serverLockfile(root) {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8'));
  const server = JSON.parse(readFileSync(join(root, 'server/package.json'), 'utf8'));
  const packages = lock.packages;
  /** location → reached through at least one path of required (not optional) dependencies */
  const reached = new Map();
  const queue = Object.keys(server.dependencies).map((name) => ({ from: '', name, optional: false }));
  while (queue.length > 0) {
    const { from, name, optional } = queue.shift();
    const location = resolveLocation(packages, from, name);
    if (location === null) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the server'}) is not in package-lock.json: run npm install at the root first`);
    }
    const seen = reached.get(location);
    if (seen !== undefined && (seen || optional)) continue;
    reached.set(location, !optional);
    const entry = packages[location];
    const peersOptional = entry.peerDependenciesMeta ?? {};
    for (const dependency of Object.keys(entry.dependencies ?? {})) queue.push({ from: location, name: dependency, optional });
    for (const dependency of Object.keys(entry.optionalDependencies ?? {})) queue.push({ from: location, name: dependency, optional: true });
    for (const dependency of Object.keys(entry.peerDependencies ?? {})) {
      queue.push({ from: location, name: dependency, optional: optional || peersOptional[dependency]?.optional === true });
    }
  }
  const derived = {
    '': {
      name: server.name,
      version: server.version,
      license: server.license,
      dependencies: server.dependencies,
      engines: server.engines,
    },
  };
  for (const location of [...reached.keys()].sort()) {
    const { dev: _dev, devOptional: _devOptional, optional: _optional, peer: _peer, ...entry } = packages[location];
    derived[location] = reached.get(location) ? entry : { ...entry, optional: true };
  }
  return { name: server.name, version: server.version, lockfileVersion: lock.lockfileVersion, requires: true, packages: derived };
}

export function serverLockfileText(root) {
  return `${JSON.stringify(serverLockfile(root), null, 2)}\n`;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const root = resolve(import.meta.dirname, '..');
  const target = join(root, 'server/npm-shrinkwrap.json');
  const text = serverLockfileText(root);
  if (process.argv.includes('--check')) {
    let committed = '';
    try {
      committed = readFileSync(target, 'utf8');
    } catch {
      // Missing counts as stale.
    }
    if (committed !== text) {
      console.error('server/npm-shrinkwrap.json is stale: run `node scripts/server-lock.mjs`');
      process.exit(1);
    }
  } else {
    writeFileSync(target, text);
    console.log(`wrote server/npm-shrinkwrap.json (${Object.keys(JSON.parse(text).packages).length - 1} packages)`);
  }
}
