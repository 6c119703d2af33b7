// The Debian packages the tests need, and a check that installs them when run as root (or prints the command).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const OS_PACKAGES = [
  { pkg: 'chromium', present: () => existsSync('/usr/bin/chromium'), why: 'renderer and portal tests in a real browser' },
  { pkg: 'postgresql', present: () => existsSync('/usr/lib/postgresql'), why: 'server tests on PostgreSQL' },
  { pkg: 'gnome-keyring', present: () => existsSync('/usr/bin/gnome-keyring-daemon'), why: 'the real Secret Service behind the key store' },
  { pkg: 'dbus', present: () => existsSync('/usr/bin/dbus-run-session'), why: 'a private D-Bus session for the keyring' },
  { pkg: 'libsecret-1-dev', present: () => existsSync('/usr/include/libsecret-1'), why: 'building keytar from source (it reads the keys earlier versions wrote, for the migration tests)' },
  { pkg: 'fonts-dejavu-core', present: () => existsSync('/usr/share/fonts/truetype/dejavu'), why: 'readable screenshots' },
];

export function ensureOsPrerequisites({ log = console.log } = {}) {
  const missing = OS_PACKAGES.filter((entry) => !entry.present());
  if (missing.length === 0) return;
  const names = missing.map((entry) => entry.pkg);
  const command = `apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends ${names.join(' ')}`;
  if (process.getuid?.() !== 0) {
    for (const entry of missing) log(`missing OS package ${entry.pkg} (${entry.why})`);
    throw new Error(`Install the missing packages as root, then run npm test again:\n  sudo sh -c '${command}'`);
  }
  log(`installing OS test prerequisites: ${names.join(', ')}`);
  execFileSync('sh', ['-c', command], { stdio: 'inherit' });
}

if (process.argv[1]?.endsWith('os-prerequisites.mjs')) {
  try {
    ensureOsPrerequisites();
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
