/**
 * Start at login, from the person's setting or IT's policy (the policy wins when it sets one). macOS and Windows
 * through Electron's login items; Linux through an XDG autostart entry, which Electron does not manage.
 * Started at login, the app stays in the tray without opening its window.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'electron';
import type { Logger } from './electron-api';

/** The argument the login item passes, so a start at login stays quietly in the tray. */
export const HIDDEN_ARGUMENT = '--hidden';
export const AUTOSTART_FILE = 'secure-access.desktop';

/** The XDG autostart folder: $XDG_CONFIG_HOME/autostart, ~/.config/autostart by default. */
export function linuxAutostartDirectory(env: Record<string, string | undefined>, home: string): string {
  return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'autostart');
}

/** A desktop entry's Exec argument, quoted as the Desktop Entry Specification asks. */
function quoteExec(argument: string): string {
  return `"${argument.replace(/[\\"`$]/g, (char) => `\\${char}`)}"`;
}

export function linuxAutostartEntry(executable: string): string {
  return [
    '[Desktop Entry]',
    'Type=Application',
    'Name=Secure Access',
    'Comment=Secure Access authenticator',
    `Exec=${quoteExec(executable)} ${HIDDEN_ARGUMENT}`,
    'Terminal=false',
    'X-GNOME-Autostart-enabled=true',
    '',
  ].join('\n');
}

export interface LoginItemDeps {
  app: Pick<App, 'setLoginItemSettings'>;
  platform: NodeJS.Platform;
  /** The program to start: the AppImage file when run from one, else the executable. */
  executable: string;
  autostartDirectory: string;
  logger: Logger;
}

export function applyStartAtLogin(enabled: boolean, deps: LoginItemDeps): void {
  try {
    if (deps.platform === 'linux') {
      const file = join(deps.autostartDirectory, AUTOSTART_FILE);
      if (enabled) {
        mkdirSync(deps.autostartDirectory, { recursive: true });
        writeFileSync(file, linuxAutostartEntry(deps.executable), { mode: 0o644 });
      } else {
        rmSync(file, { force: true });
      }
    } else if (deps.platform === 'win32') {
      deps.app.setLoginItemSettings({ openAtLogin: enabled, path: deps.executable, args: [HIDDEN_ARGUMENT] });
    } else {
      deps.app.setLoginItemSettings({ openAtLogin: enabled });
    }
  } catch (error) {
    deps.logger.warn('could not change start at login', { enabled, error: error instanceof Error ? error.message : String(error) });
  }
}

/** Whether this launch is a start at login (stay in the tray) rather than the person opening the app. */
export function startedAtLogin(argv: readonly string[], app: Pick<App, 'getLoginItemSettings'>, platform: NodeJS.Platform): boolean {
  if (argv.includes(HIDDEN_ARGUMENT)) return true;
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
