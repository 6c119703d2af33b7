/**
 * The command-line switches and environment a packaged Secure Access refuses to start with. The fuses
 * (electron-builder.yml) turn off ELECTRON_RUN_AS_NODE, NODE_OPTIONS and Node's --inspect arguments, but Chromium
 * reads many more switches before any of our code runs: remote debugging would hand the signed-in window to
 * whoever connects, --ignore-certificate-errors or --host-rules would let a local process pose as the bank, a key
 * log or a full net log would write the device token to a file. A desktop shortcut or a launcher edited by
 * someone else is enough to add them, so a packaged build refuses to start with any of them and says which in
 * the log. Development builds accept them: that is how the app is debugged.
 */

export interface RefusedSwitch {
  /** As written on the command line (without its value), e.g. `--remote-debugging-port`. */
  name: string;
  reason: string;
}

/** Refused in every packaged build, whatever the policy. */
const ALWAYS_REFUSED: Record<string, string> = {
  'remote-debugging-port': 'remote debugging',
  'remote-debugging-pipe': 'remote debugging',
  'remote-debugging-address': 'remote debugging',
  'remote-debugging-io-pipes': 'remote debugging',
  'remote-allow-origins': 'remote debugging',
  inspect: 'debugging the main process',
  'inspect-brk': 'debugging the main process',
  'inspect-port': 'debugging the main process',
  'inspect-publish-uid': 'debugging the main process',
  'inspect-brk-node': 'debugging the main process',
  debug: 'debugging the main process',
  'debug-brk': 'debugging the main process',
  'js-flags': 'JavaScript engine flags',
  'ignore-certificate-errors': 'TLS certificates not checked',
  'ignore-certificate-errors-spki-list': 'TLS certificates not checked',
  'ignore-urlfetcher-cert-requests': 'TLS certificates not checked',
  'allow-insecure-localhost': 'TLS certificates not checked',
  'unsafely-treat-insecure-origin-as-secure': 'plain http treated as secure',
  'ssl-key-log-file': 'TLS keys written to a file',
  'log-net-log': 'network traffic written to a file',
  'net-log-capture-mode': 'network traffic written to a file',
  'host-rules': 'host names redirected',
  'host-resolver-rules': 'host names redirected',
  'auth-server-allowlist': 'Windows credentials offered to other servers',
  'auth-server-whitelist': 'Windows credentials offered to other servers',
  'auth-negotiate-delegate-allowlist': 'Windows credentials delegated to other servers',
  'auth-negotiate-delegate-whitelist': 'Windows credentials delegated to other servers',
  'disable-web-security': 'web security off',
  'no-sandbox': 'sandbox off',
  'disable-site-isolation-trials': 'site isolation off',
  'enable-features': 'Chromium features changed',
  'disable-features': 'Chromium features changed',
  'enable-blink-features': 'Chromium features changed',
  'load-extension': 'browser extensions loaded',
  'browser-subprocess-path': 'another program run as a helper process',
  'renderer-cmd-prefix': 'another program run as a helper process',
  'utility-cmd-prefix': 'another program run as a helper process',
  'gpu-launcher': 'another program run as a helper process',
};

/** Refused when IT's policy sets the proxy: a switch would otherwise override it. */
const PROXY_SWITCHES = ['proxy-server', 'proxy-pac-url', 'proxy-bypass-list', 'no-proxy-server', 'proxy-auto-detect', 'winhttp-proxy-resolver'];

/** Environment variables with the same effect as a refused switch. */
const REFUSED_ENVIRONMENT: Record<string, string> = {
  SSLKEYLOGFILE: 'TLS keys written to a file',
};

export interface SwitchCheckInput {
  /** process.argv: the executable first. */
  argv: readonly string[];
  env: Record<string, string | undefined>;
  platform: NodeJS.Platform;
  /** Whether IT's policy sets the proxy. */
  policySetsProxy: boolean;
}

/**
 * The switch names on a command line as Chromium reads them: after `--` or `-` (and `/` on Windows, where names
 * are also case-insensitive), up to `=`; a lone `--` ends the switches.
 */
export function switchesOf(argv: readonly string[], platform: NodeJS.Platform): Array<{ written: string; name: string }> {
  const prefixes = platform === 'win32' ? ['--', '-', '/'] : ['--', '-'];
  const found: Array<{ written: string; name: string }> = [];
  for (const argument of argv.slice(1)) {
    if (argument === '--') break;
    const prefix = prefixes.find((candidate) => argument.startsWith(candidate) && argument.length > candidate.length);
    if (!prefix) continue;
    const written = argument.split('=', 1)[0] ?? argument;
    const bare = written.slice(prefix.length);
    found.push({ written, name: platform === 'win32' ? bare.toLowerCase() : bare });
  }
  return found;
}

/** What a packaged build must refuse to start with; empty when the launch is clean. */
export function refusedSwitches({ argv, env, platform, policySetsProxy }: SwitchCheckInput): RefusedSwitch[] {
  const refused: RefusedSwitch[] = [];
  for (const { written, name } of switchesOf(argv, platform)) {
    const reason = Object.hasOwn(ALWAYS_REFUSED, name) ? ALWAYS_REFUSED[name]
      : policySetsProxy && PROXY_SWITCHES.includes(name) ? 'the proxy set by your organisation overridden'
        : undefined;
    if (reason) refused.push({ name: written, reason });
  }
  for (const [variable, reason] of Object.entries(REFUSED_ENVIRONMENT)) {
    if (env[variable]) refused.push({ name: variable, reason });
  }
  return refused;
}

/** The one log line that says why the app did not start. */
export function refusedSwitchesLine(refused: readonly RefusedSwitch[]): string {
  return `Secure Access refuses to start with ${refused.map((entry) => `${entry.name} (${entry.reason})`).join(', ')}: remove them from the shortcut or command that starts it`;
}
