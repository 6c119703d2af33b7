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
  // main/core in two parts, for the same reason as the services below.
  'core-decisions': {
    summary: 'main/core: activation, decisions, key handling, the approval code, input checks, stored state, errors',
    mutate: ['main/core/authenticator.ts', 'main/core/approval-key.ts', 'main/core/inputs.ts', 'main/core/errors.ts', 'main/core/state.ts'],
    tests: ['tests/unit/core/**/*.test.ts'],
    postgres: false,
  },
  'core-network': {
    summary: 'main/core: the inbox and its long-polls, the hold learning, the API client, backoff',
    mutate: ['main/core/inbox.ts', 'main/core/hold-learning.ts', 'main/core/api-client.ts', 'main/core/backoff.ts'],
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
  // server/services in three parts, each finishing within an hour or two on the 2-core machine: every mutant reruns
  // rule suites against a real server. Each part keeps every suite that exercises its files (per-test coverage runs
  // only the tests that reach a mutant).
  'services-access': {
    summary: 'server/services: users, sessions (login, inactivity, maximum length), rate limits, audit',
    mutate: ['server/services/users.ts', 'server/services/sessions.ts', 'server/services/rate-limit.ts', 'server/services/audit.ts'],
    tests: [
      'tests/integration/server/users-and-login.test.ts', 'tests/integration/server/session-limits.test.ts', 'tests/integration/server/audit.test.ts',
      'tests/integration/server/hardening.test.ts', 'tests/integration/server/otp-delivery.test.ts',
    ],
    postgres: true,
    databases: 'sqlite',
  },
  'services-devices': {
    summary: 'server/services: enrolments and activation codes, devices and their limit, approval keys, installers',
    mutate: ['server/services/enrolments.ts', 'server/services/devices.ts', 'server/services/approval-keys.ts', 'server/services/installers.ts'],
    tests: [
      'tests/integration/server/activation.test.ts', 'tests/integration/server/devices.test.ts', 'tests/integration/server/otp-delivery.test.ts',
      'tests/integration/server/approval-code.test.ts', 'tests/integration/server/hardening.test.ts', 'tests/integration/server/audit.test.ts',
      'tests/unit/server/installers.test.ts',
    ],
    postgres: true,
    databases: 'sqlite',
  },
  'services-operations': {
    summary: 'server/services: validations and decisions, payee verification, bank accounts, expiry',
    mutate: ['server/services/validations.ts', 'server/services/payee-verification.ts', 'server/services/bank-accounts.ts', 'server/services/expiry.ts'],
    tests: [
      'tests/integration/server/validations.test.ts', 'tests/integration/server/payee-verification.test.ts', 'tests/integration/server/approval-code.test.ts',
      'tests/integration/server/audit.test.ts', 'tests/integration/server/hardening.test.ts',
      // The long-poll that delivers validations, the login's validation (its number), and the cached state.
      'tests/integration/server/long-poll-and-instances.test.ts', 'tests/integration/server/device-tokens.test.ts',
      'tests/integration/server/consistency.test.ts', 'tests/integration/server/users-and-login.test.ts', 'tests/integration/server/bad-input.test.ts',
      // The names' comparison and the gateway's answers, and the expiry sweep.
      'tests/unit/server/payee-verification.test.ts', 'tests/integration/server/operations.test.ts',
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

/**
 * The files of a part to mutate: all of them, or the ones named in SA_MUTATION_FILES (comma-separated, each one of
 * the part's own), for a run that must fit in less time than the whole part takes.
 */
export function filesToMutate(name, only = process.env.SA_MUTATION_FILES ?? '') {
  const part = partNamed(name);
  const wanted = only.split(',').map((file) => file.trim()).filter(Boolean);
  if (wanted.length === 0) return part.mutate;
  const foreign = wanted.filter((file) => !part.mutate.includes(file));
  if (foreign.length > 0) throw new Error(`not in the mutation part "${name}": ${foreign.join(', ')}; its files are ${part.mutate.join(', ')}`);
  return wanted;
}
