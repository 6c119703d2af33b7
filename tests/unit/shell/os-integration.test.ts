import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createFileLogger, LOG_FILE, OLD_LOG_FILE, redactFields } from '../../../main/shell/file-logger';
import { applyStartAtLogin, HIDDEN_ARGUMENT, linuxAutostartDirectory, linuxAutostartEntry, startedAtLogin } from '../../../main/shell/login-item';
import { FakeApp } from '../../harness/fake-electron';

const temporary: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'sa-shell-'));
  temporary.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const silent = { info() {}, warn() {}, error() {} };

describe('start at login', () => {
  it('writes an XDG autostart entry on Linux that starts the app quietly in the tray, and removes it when turned off', () => {
    const dir = join(tempDir(), 'autostart');
    const app = new FakeApp();
    const deps = { app, platform: 'linux' as const, executable: '/home/amartin/Apps/Secure Access.AppImage', autostartDirectory: dir, logger: silent };
    applyStartAtLogin(true, deps);
    const entry = readFileSync(join(dir, 'secure-access.desktop'), 'utf8');
    expect(entry).toContain('[Desktop Entry]');
    expect(entry).toContain('Exec="/home/amartin/Apps/Secure Access.AppImage" --hidden');
    expect(entry).toContain('X-GNOME-Autostart-enabled=true');
    applyStartAtLogin(false, deps);
    expect(existsSync(join(dir, 'secure-access.desktop'))).toBe(false);
    expect(app.loginItemSettings).toEqual([]);
  });

  it('quotes an executable path with characters the desktop entry format reserves', () => {
    expect(linuxAutostartEntry('/opt/a "b" $c`d\\e')).toContain('Exec="/opt/a \\"b\\" \\$c\\`d\\\\e" --hidden');
  });

  it('uses XDG_CONFIG_HOME when set', () => {
    expect(linuxAutostartDirectory({ XDG_CONFIG_HOME: '/cfg' }, '/home/a')).toBe('/cfg/autostart');
    expect(linuxAutostartDirectory({}, '/home/a')).toBe('/home/a/.config/autostart');
  });

  it('registers a login item on Windows (with --hidden) and macOS', () => {
    const windows = new FakeApp();
    applyStartAtLogin(true, { app: windows, platform: 'win32', executable: 'C:\\Users\\amartin\\AppData\\Local\\Programs\\Secure Access\\Secure Access.exe', autostartDirectory: '', logger: silent });
    expect(windows.loginItemSettings).toEqual([{ openAtLogin: true, path: 'C:\\Users\\amartin\\AppData\\Local\\Programs\\Secure Access\\Secure Access.exe', args: [HIDDEN_ARGUMENT] }]);
    const mac = new FakeApp();
    applyStartAtLogin(false, { app: mac, platform: 'darwin', executable: '/Applications/Secure Access.app/Contents/MacOS/Secure Access', autostartDirectory: '', logger: silent });
    expect(mac.loginItemSettings).toEqual([{ openAtLogin: false }]);
  });

  it('knows a start at login from a launch by the person', () => {
    const app = new FakeApp();
    expect(startedAtLogin(['app', '--hidden'], app, 'win32')).toBe(true);
    expect(startedAtLogin(['app'], app, 'win32')).toBe(false);
    app.wasOpenedAtLogin = true;
    expect(startedAtLogin(['app'], app, 'darwin')).toBe(true);
  });
});

describe('the log file', () => {
  it('never holds a secret code, an activation code, a token or key bytes, but keeps error codes for support', () => {
    expect(redactFields({
      secretCode: 'Azerty123!', code: '12345678', activationCode: 'ABCD-EFGH-JKMN', token: 'eyJhbGciOi', secretKey: new Uint8Array(32),
      signature: 'c2lnbmF0dXJl', authorization: 'Bearer x', nested: { password: 'p', accountId: 'acc_1' }, bytes: new Uint8Array([1, 2]),
    })).toEqual({
      secretCode: '[redacted]', code: '[redacted]', activationCode: '[redacted]', token: '[redacted]', secretKey: '[redacted]',
      signature: '[redacted]', authorization: '[redacted]', nested: { password: '[redacted]', accountId: 'acc_1' }, bytes: '[bytes]',
    });
    expect(redactFields({ code: 'activation_code_expired', accountId: 'acc_1' })).toEqual({ code: 'activation_code_expired', accountId: 'acc_1' });
  });

  it('writes one line per event, keeps lines on one line, and honours the minimum level', () => {
    const dir = tempDir();
    const logger = createFileLogger({ directory: dir, minimumLevel: 'warn', now: () => Date.parse('2030-03-04T09:00:00Z') });
    logger.info('not written at warn level');
    logger.warn('line one\nforged line', { code: '12345678', accountId: 'acc_1' });
    logger.error('failure', { error: new Error('boom') });
    const lines = readFileSync(join(dir, LOG_FILE), 'utf8').trim().split('\n');
    expect(lines).toEqual([
      '2030-03-04T09:00:00.000Z WARN  line one forged line {"code":"[redacted]","accountId":"acc_1"}',
      '2030-03-04T09:00:00.000Z ERROR failure {"error":"Error: boom"}',
    ]);
    logger.setMinimumLevel('info');
    logger.info('now written');
    expect(readFileSync(logger.path, 'utf8')).toContain('INFO  now written');
    expect(statSync(logger.path).mode & 0o077).toBe(0);
  });

  it('keeps two small files: the current one and the previous one', () => {
    const dir = tempDir();
    const logger = createFileLogger({ directory: dir, minimumLevel: 'info', maxBytes: 200 });
    for (let index = 0; index < 10; index += 1) logger.info(`event number ${index} with some padding text`);
    expect(statSync(join(dir, LOG_FILE)).size).toBeLessThanOrEqual(200);
    expect(readFileSync(join(dir, OLD_LOG_FILE), 'utf8')).toContain('event number');
    expect(readFileSync(join(dir, LOG_FILE), 'utf8')).toContain('event number 9');
  });
});
