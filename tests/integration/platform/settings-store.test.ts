/** The SettingsStore over `conf` for real (electron-store wraps it in the app): a JSON file in a temporary folder. */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { defaultPersistedState, describeStateProblem, isPersistedState, type PersistedStateT } from '../../../main/core/state';
import { createConfSettingsStore, DEFAULT_SETTINGS_FILE } from '../../../main/platform/settings-store';
import { recordingLogger } from '../../unit/core/support';

const folders: string[] = [];
function tempFolder(): string {
  const folder = mkdtempSync(join(tmpdir(), 'sa-settings-'));
  folders.push(folder);
  return folder;
}
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function openStore(directory: string, logger = recordingLogger()) {
  return createConfSettingsStore<PersistedStateT>({
    directory, validate: isPersistedState, describeProblem: describeStateProblem, defaults: defaultPersistedState, logger,
    now: () => Date.parse('2030-03-04T09:00:00.000Z'),
  });
}

const savedState: PersistedStateT = {
  ...defaultPersistedState(),
  settings: { language: 'en', startAtLogin: false, notifications: true, defaultServerUrl: 'https://secure-access.bank.example' },
};

describe('settings on disk (conf)', () => {
  it('writes a JSON file in the given folder and reads it back in a new process-like instance', () => {
    const folder = tempFolder();
    const store = openStore(folder);
    expect(store.location).toBe(join(folder, `${DEFAULT_SETTINGS_FILE}.json`));
    expect(store.read()).toEqual(defaultPersistedState());
    store.write(savedState);
    expect(JSON.parse(readFileSync(store.location, 'utf8'))).toEqual(savedState);
    expect(openStore(folder).read()).toEqual(savedState);
  });

  it('a file that is not JSON is set aside as <file>.corrupt-<time> and the defaults come back, with a log line', () => {
    const folder = tempFolder();
    const file = join(folder, `${DEFAULT_SETTINGS_FILE}.json`);
    writeFileSync(file, '{"version":1,"settings":{"langu');
    const logger = recordingLogger();
    const store = openStore(folder, logger);
    expect(store.read()).toEqual(defaultPersistedState());
    const backup = `${file}.corrupt-2030-03-04T09-00-00-000Z`;
    expect(readFileSync(backup, 'utf8')).toBe('{"version":1,"settings":{"langu');
    expect(logger.lines).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ backup, reason: 'not valid JSON' }) }));
    store.write(savedState);
    expect(openStore(folder).read()).toEqual(savedState);
  });

  it('a file that becomes unreadable while running is recovered the same way', () => {
    const folder = tempFolder();
    const store = openStore(folder);
    store.write(savedState);
    writeFileSync(store.location, '\u0000\u0000garbage');
    expect(store.read()).toEqual(defaultPersistedState());
    expect(readdirSync(folder).filter((name) => name.includes('.corrupt-'))).toHaveLength(1);
  });

  it('valid JSON this version does not understand is set aside too; an empty file is simply new', () => {
    const folder = tempFolder();
    const file = join(folder, `${DEFAULT_SETTINGS_FILE}.json`);
    writeFileSync(file, JSON.stringify({ version: 2, accounts: {} }));
    const logger = recordingLogger();
    expect(openStore(folder, logger).read()).toEqual(defaultPersistedState());
    expect(logger.lines[0]?.fields).toMatchObject({ reason: 'not a state this version understands' });
    expect(existsSync(file)).toBe(false);

    const fresh = tempFolder();
    writeFileSync(join(fresh, `${DEFAULT_SETTINGS_FILE}.json`), '{}');
    const quiet = recordingLogger();
    expect(openStore(fresh, quiet).read()).toEqual(defaultPersistedState());
    expect(quiet.lines).toEqual([]);
  });
});
