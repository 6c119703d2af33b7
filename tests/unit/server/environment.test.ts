/** The server's environment variables: each checked, with a one-line error naming it and what it accepts. */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigurationError, ignoredVariables, readEnvironment, VARIABLES } from '../../../server/ops/environment';

const root = resolve(import.meta.dirname, '../../..');

function refusal(env: NodeJS.ProcessEnv): string {
  try {
    readEnvironment(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigurationError);
    return (error as Error).message;
  }
  throw new Error('expected a refusal');
}

describe('the server environment', () => {
  it('has the documented defaults: demo mode on SQLite on loopback, JSON logs when not on a terminal', () => {
    expect(readEnvironment({})).toEqual({
      port: 8080, host: '127.0.0.1', databaseUrl: 'sqlite:./data/secure-access.db', demo: true, demoAllowRemote: false, otpGateway: undefined, opsToken: undefined, cookieSecure: true,
      trustProxy: undefined, logLevel: 'info', logFormat: 'json', metricsPort: undefined, metricsHost: '127.0.0.1', shutdownDelaySeconds: 0,
      shutdownTimeoutSeconds: 10, longPollMaxSeconds: 120, autoMigrate: true, workers: 1, timeZone: undefined, vopGateway: undefined, downloadsDir: undefined,
      mobileStoreLinks: { bankApp: { appStore: undefined, playStore: undefined, appGallery: undefined }, secureAccessApp: { appStore: undefined, playStore: undefined } },
    });
    expect(readEnvironment({}, true).logFormat).toBe('pretty');
  });

  it('reads a production configuration', () => {
    expect(readEnvironment({
      PORT: '443', HOST: '0.0.0.0', DATABASE_URL: 'postgres://sa:pw@db.internal:5432/secure_access', SA_DEMO: 'false', SA_OTP_GATEWAY_URL: 'https://sms.bank.example/v1',
      SA_OTP_GATEWAY_TOKEN: 'gw-token', SA_OPS_TOKEN: 'o'.repeat(32), SA_COOKIE_SECURE: 'yes', SA_TRUST_PROXY: '10.0.0.0/8, 192.168.1.4,loopback',
      SA_LOG_LEVEL: 'warn', SA_LOG_FORMAT: 'json', SA_METRICS_PORT: '9464', SA_METRICS_HOST: '10.1.2.3', SA_SHUTDOWN_DELAY_SECONDS: '15',
      SA_SHUTDOWN_TIMEOUT_SECONDS: '20', SA_WORKERS: '4', SA_LONG_POLL_MAX_SECONDS: '55',
    })).toMatchObject({
      longPollMaxSeconds: 55,
      port: 443, host: '0.0.0.0', demo: false, otpGateway: { url: 'https://sms.bank.example/v1', token: 'gw-token' }, trustProxy: '10.0.0.0/8,192.168.1.4,loopback',
      logLevel: 'warn', metricsPort: 9464, metricsHost: '10.1.2.3', shutdownDelaySeconds: 15, shutdownTimeoutSeconds: 20, autoMigrate: false, workers: 4,
    });
    expect(readEnvironment({ SA_TRUST_PROXY: '2' }).trustProxy).toBe(2);
    expect(readEnvironment({ SA_DEMO: '0', SA_OTP_GATEWAY_URL: 'http://sms:8080/', SA_AUTO_MIGRATE: '1' }).autoMigrate).toBe(true);
  });

  it.each([
    [{ PORT: '99999' }, 'PORT="99999" is not valid: PORT accepts a port number from 0 to 65535.'],
    [{ PORT: '80a' }, 'PORT="80a" is not valid: PORT accepts a port number from 0 to 65535.'],
    [{ HOST: 'bank server' }, 'HOST="bank server" is not valid: HOST accepts an IP address or a host name.'],
    [{ SA_DEMO: 'maybe' }, 'SA_DEMO="maybe" is not valid: SA_DEMO accepts 1 or 0 (true/false, yes/no, on/off).'],
    [{ SA_LOG_LEVEL: 'loud' }, 'SA_LOG_LEVEL="loud" is not valid: SA_LOG_LEVEL accepts fatal, error, warn, info, debug, trace, silent.'],
    [{ SA_LOG_FORMAT: 'xml' }, 'SA_LOG_FORMAT="xml" is not valid: SA_LOG_FORMAT accepts json or pretty.'],
    [{ SA_TRUST_PROXY: 'everyone' }, 'SA_TRUST_PROXY="everyone" is not valid: SA_TRUST_PROXY accepts comma-separated IP addresses or CIDR ranges (or loopback, linklocal, uniquelocal), or a number of proxy hops.'],
    [{ SA_TRUST_PROXY: '10.0.0.0/33' }, 'SA_TRUST_PROXY="10.0.0.0/33" is not valid: SA_TRUST_PROXY accepts comma-separated IP addresses or CIDR ranges (or loopback, linklocal, uniquelocal), or a number of proxy hops.'],
    [{ SA_METRICS_PORT: '0' }, 'SA_METRICS_PORT="0" is not valid: SA_METRICS_PORT accepts a port number from 1 to 65535.'],
    [{ SA_SHUTDOWN_TIMEOUT_SECONDS: '0' }, 'SA_SHUTDOWN_TIMEOUT_SECONDS="0" is not valid: SA_SHUTDOWN_TIMEOUT_SECONDS accepts a whole number from 1 to 300.'],
    [{ SA_SHUTDOWN_DELAY_SECONDS: '-1' }, 'SA_SHUTDOWN_DELAY_SECONDS="-1" is not valid: SA_SHUTDOWN_DELAY_SECONDS accepts a whole number from 0 to 300.'],
    [{ SA_OTP_GATEWAY_URL: 'ftp://sms' }, 'SA_OTP_GATEWAY_URL="ftp://sms" is not valid: SA_OTP_GATEWAY_URL accepts an http:// or https:// URL.'],
    [{ SA_DEMO: '0' }, 'SA_DEMO=0 needs an SMS/voice provider: set SA_OTP_GATEWAY_URL (an http:// or https:// URL) and SA_OTP_GATEWAY_TOKEN.'],
    [{ SA_LONG_POLL_MAX_SECONDS: '29' }, 'SA_LONG_POLL_MAX_SECONDS="29" is not valid: SA_LONG_POLL_MAX_SECONDS accepts a whole number from 30 to 300.'],
    [{ SA_LONG_POLL_MAX_SECONDS: '301' }, 'SA_LONG_POLL_MAX_SECONDS="301" is not valid: SA_LONG_POLL_MAX_SECONDS accepts a whole number from 30 to 300.'],
    [{ SA_WORKERS: '0' }, 'SA_WORKERS="0" is not valid: SA_WORKERS accepts a whole number from 1 to 64.'],
    [{ SA_WORKERS: '2' }, 'SA_WORKERS=2 needs PostgreSQL: a SQLite file is served by one process. Set DATABASE_URL=postgres://… to use every core, or SA_WORKERS=1.'],
    [{ SA_OTP_GATEWAY_TOKEN: 't' }, 'SA_OTP_GATEWAY_TOKEN is set but SA_OTP_GATEWAY_URL is not: set the provider\'s URL too, or remove the token.'],
  ])('refuses %o in one line naming the variable and what it accepts', (env, message) => {
    expect(refusal(env)).toBe(message);
  });

  it('never repeats a secret\'s value in its refusal', () => {
    const token = 'short-but-secret';
    const message = refusal({ SA_OPS_TOKEN: token });
    expect(message).toBe('SA_OPS_TOKEN=(value hidden) is not valid: SA_OPS_TOKEN accepts at least 24 characters.');
    const database = refusal({ DATABASE_URL: 'mysql://root:hunter2@db/bank' });
    expect(database).toBe('DATABASE_URL=(value hidden) is not valid: DATABASE_URL accepts sqlite:<file>, a file path, :memory: or postgres://user:password@host:port/database.');
    expect(database).not.toContain('hunter2');
  });

  it('warns about variables that look like its own but are not read (a typo, a retired one)', () => {
    expect(ignoredVariables({ SA_OPS_TOKNE: 'x', SA_HTTP_LOG: '1', SA_TEST_PG_ADMIN_URL: 'x', SA_BENCH_SERVER_CONFIG: '{}', PATH: '/bin', SA_DEMO: '1' })).toEqual([
      'SA_HTTP_LOG was replaced by SA_LOG_LEVEL (info logs every request; warn does not): ignored',
      'SA_OPS_TOKNE is not a variable of this server: ignored (--help lists them)',
    ]);
  });

  it('is the README\'s configuration table, row for row', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 5));
    const firstCells = [...section.matchAll(/^\| ((?:`[A-Z_]+`(?:, )?)+) \|/gm)].map((match) => match[1] ?? '');
    const documented = firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z_]+)`/g)].map((match) => match[1]));
    expect(documented.sort()).toEqual(VARIABLES.map((variable) => variable.name).sort());
  });
});
