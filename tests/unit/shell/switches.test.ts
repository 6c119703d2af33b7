import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../../main/platform/policy';
import { prepareShell, type ShellOptions } from '../../../main/shell/app';
import { refusedSwitches, switchesOf } from '../../../main/shell/switches';
import { createFakeElectron } from '../../harness/fake-electron';

const EXE = '/opt/Secure Access/secure-access';
const linux = (argv: string[], policySetsProxy = false, env: Record<string, string> = {}) =>
  refusedSwitches({ argv: [EXE, ...argv], env, platform: 'linux', policySetsProxy });

describe('the command-line switches a packaged app refuses', () => {
  it('refuses remote debugging, inspection, certificate bypass and host redirection, with the reason', () => {
    expect(linux(['--remote-debugging-port=9222'])).toEqual([{ name: '--remote-debugging-port', reason: 'remote debugging' }]);
    expect(linux(['--remote-debugging-pipe'])).toEqual([{ name: '--remote-debugging-pipe', reason: 'remote debugging' }]);
    expect(linux(['--inspect=9229', '--inspect-brk'])).toEqual([
      { name: '--inspect', reason: 'debugging the main process' },
      { name: '--inspect-brk', reason: 'debugging the main process' },
    ]);
    expect(linux(['--ignore-certificate-errors']).map((entry) => entry.reason)).toEqual(['TLS certificates not checked']);
    expect(linux(['--host-resolver-rules=MAP * 127.0.0.1']).map((entry) => entry.name)).toEqual(['--host-resolver-rules']);
    expect(linux(['--ssl-key-log-file=/tmp/keys'])).toHaveLength(1);
    expect(linux([], false, { SSLKEYLOGFILE: '/tmp/keys' })).toEqual([{ name: 'SSLKEYLOGFILE', reason: 'TLS keys written to a file' }]);
  });

  it('reads switches as Chromium does: one dash too, up to "=", and nothing after a lone "--"', () => {
    expect(linux(['-remote-debugging-port=9222']).map((entry) => entry.name)).toEqual(['-remote-debugging-port']);
    expect(linux(['--', '--remote-debugging-port=9222'])).toEqual([]);
    // Case matters on macOS and Linux; Windows lowercases switch names and also takes "/".
    expect(linux(['--Remote-Debugging-Port=9222'])).toEqual([]);
    const windows = refusedSwitches({ argv: ['C:\\Secure Access.exe', '/Remote-Debugging-Port=9222', '--IGNORE-CERTIFICATE-ERRORS'], env: {}, platform: 'win32', policySetsProxy: false });
    expect(windows.map((entry) => entry.name)).toEqual(['/Remote-Debugging-Port', '--IGNORE-CERTIFICATE-ERRORS']);
    expect(switchesOf([EXE, 'positional', '-psn_0_12345', '--hidden'], 'darwin').map((entry) => entry.name)).toEqual(['psn_0_12345', 'hidden']);
  });

  it('refuses the proxy switches only when IT’s policy sets the proxy', () => {
    expect(linux(['--proxy-server=http://10.0.0.1:3128'], false)).toEqual([]);
    expect(linux(['--proxy-server=http://10.0.0.1:3128', '--no-proxy-server', '--proxy-pac-url=http://x/p.pac'], true).map((entry) => entry.name))
      .toEqual(['--proxy-server', '--no-proxy-server', '--proxy-pac-url']);
  });

  it('lets an ordinary launch through: start at login, the app’s own arguments', () => {
    expect(linux([])).toEqual([]);
    expect(linux(['--hidden', '--started-at-login', 'secure-access://open'])).toEqual([]);
  });
});

function shellOptions(overrides: Partial<ShellOptions>, lines: string[]): ShellOptions {
  const fake = createFakeElectron();
  const log = (level: string) => (message: string) => void lines.push(`${level} ${message}`);
  return {
    electron: fake.electron,
    platform: 'linux',
    argv: [EXE],
    env: {},
    isDevelopment: false,
    paths: { preload: '/p.cjs', renderer: '/r' },
    policy: parsePolicy(null),
    logger: { info: log('INFO'), warn: log('WARN'), error: log('ERROR') },
    loginItem: { executable: EXE, autostartDirectory: '/nonexistent' },
    updates: { execPath: EXE, env: {}, windowsPublisher: '', load: async () => { throw new Error('unused'); } },
    ...overrides,
  };
}

describe('a packaged app started with a refused switch', () => {
  it('does not start: one log line names each switch and why, the app exits with 1 before registering anything', () => {
    const lines: string[] = [];
    const options = shellOptions({ argv: [EXE, '--remote-debugging-port=9222', '--ignore-certificate-errors'] }, lines);
    const fake = options.electron.app as unknown as ReturnType<typeof createFakeElectron>['app'];
    expect(prepareShell(options)).toBeNull();
    expect(lines).toEqual([
      'ERROR Secure Access refuses to start with --remote-debugging-port (remote debugging), --ignore-certificate-errors (TLS certificates not checked): remove them from the shortcut or command that starts it',
    ]);
    expect(fake.exitCodes).toEqual([1]);
    expect(fake.listenerCount('web-contents-created')).toBe(0);
  });

  it('refuses --proxy-server when the policy sets the proxy, and starts without it', () => {
    const policy = parsePolicy({ source: '/etc/secure-access/policy.json', contents: JSON.stringify({ proxy: { mode: 'direct' } }) });
    const refusedLines: string[] = [];
    expect(prepareShell(shellOptions({ policy, argv: [EXE, '--proxy-server=http://attacker.example:8080'] }, refusedLines))).toBeNull();
    expect(refusedLines[0]).toContain('--proxy-server (the proxy set by your organisation overridden)');
    expect(prepareShell(shellOptions({ policy }, []))).not.toBeNull();
  });

  it('accepts the same switches in a development build, where they are how the app is debugged', () => {
    const lines: string[] = [];
    expect(prepareShell(shellOptions({ isDevelopment: true, argv: [EXE, '--remote-debugging-port=9222', '--inspect'] }, lines))).not.toBeNull();
    expect(lines.filter((line) => line.startsWith('ERROR'))).toEqual([]);
  });
});
