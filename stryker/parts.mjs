/**
 * The parts of `npm run mutation`: what each mutates and which tests judge the mutants. One part at a time fits
 * the 2-core machine; each names only the tests that exercise its code, so a mutant runs a few files, not the suite.
 * `databases: 'sqlite'` runs the server rule suites on SQLite only (SA_TEST_DATABASES), for code that does not
 * depend on the dialect; `npm test` always runs both. `staticMutants: true` also judges the mutants of code run at
 * import (schemas, tables), which costs a full run of the part's tests each.
 */
export const PARTS = {
  protocol: {
    summary: 'protocol/: canonical bytes, encodings, signatures, codes, IBAN, server address, error codes',
    mutate: [
      'protocol/canonical.ts', 'protocol/encoding.ts', 'protocol/signing.ts', 'protocol/codes.ts', 'protocol/iban.ts',
      'protocol/server-url.ts', 'protocol/errors.ts',
    ],
    tests: ['tests/unit/protocol/**/*.test.ts', 'tests/unit/protocol-vectors.test.ts', 'tests/unit/server/codes.test.ts', 'tests/unit/server/crypto.test.ts'],
    postgres: false,
    staticMutants: true,
  },
  'server-auth': {
    summary: 'server/crypto.ts and server/http/signed-auth.ts: signatures, MACs, password hashes, signed requests, device tokens',
    mutate: ['server/crypto.ts', 'server/http/signed-auth.ts'],
    tests: [
      'tests/unit/server/crypto.test.ts', 'tests/integration/server/signed-requests.test.ts', 'tests/integration/server/device-tokens.test.ts',
    ],
    postgres: true,
    databases: 'sqlite',
  },
  core: {
    summary: 'main/core: activation, decisions, key handling, inbox, API client, input checks, stored state',
    mutate: [
      'main/core/authenticator.ts', 'main/core/inbox.ts', 'main/core/api-client.ts', 'main/core/inputs.ts', 'main/core/errors.ts',
      'main/core/state.ts', 'main/core/backoff.ts',
    ],
    tests: ['tests/unit/core/**/*.test.ts'],
    postgres: false,
  },
  shell: {
    summary: 'main/shell IPC and page checks: sender frames, argument checks, app:// and its CSP, navigation and permission denial',
    mutate: ['main/shell/ipc.ts', 'main/shell/security.ts', 'main/shell/window.ts'],
    tests: ['tests/unit/shell/ipc.test.ts', 'tests/unit/shell/window-security.test.ts', 'tests/unit/shell/preload.test.ts', 'tests/unit/shell/app.test.ts'],
    postgres: false,
    staticMutants: true,
  },
  services: {
    summary: 'server/services: users, sessions, enrolments, devices, validations, rate limits, audit',
    mutate: ['server/services/*.ts'],
    tests: [
      'tests/integration/server/activation.test.ts', 'tests/integration/server/users-and-login.test.ts', 'tests/integration/server/session-limits.test.ts',
      'tests/integration/server/validations.test.ts', 'tests/integration/server/devices.test.ts', 'tests/integration/server/audit.test.ts',
      'tests/integration/server/hardening.test.ts', 'tests/integration/server/otp-delivery.test.ts',
    ],
    postgres: true,
    databases: 'sqlite',
  },
};

export function partNamed(name) {
  const part = PARTS[name];
  if (!part) throw new Error(`no mutation part "${name}": one of ${Object.keys(PARTS).join(', ')}`);
  return part;
}
