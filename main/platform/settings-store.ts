/**
 * SettingsStore over `conf`'s JSON file. In the app the shell passes electron-store (which extends conf) through
 * `createConf`; tests use conf itself, with the same options. Writes are atomic (conf writes a temporary file and
 * renames it).
 *
 * A file that cannot be parsed, or holds something the given validator refuses, is moved aside as
 * `<file>.corrupt-<timestamp>` (for support) and replaced by the defaults, with a log line: never a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import Conf from 'conf';
import type { Logger, SettingsStore } from '../core/ports';

/** What the store needs of conf / electron-store. */
export interface ConfLike {
  readonly path: string;
  store: Record<string, unknown>;
}

/** Builds the backing store; electron-store calls the file name `name`, conf calls it `configName`. */
export type ConfFactory = (options: { cwd: string; configName: string }) => ConfLike;

export const createConf: ConfFactory = ({ cwd, configName }) =>
  new Conf<Record<string, unknown>>({ cwd, configName, clearInvalidConfig: false, accessPropertiesByDotNotation: false });

export interface ConfSettingsStoreOptions<T extends object> {
  /** Folder of the file (the app's userData folder in the app, a temporary folder in tests). */
  directory: string;
  /** File name without extension. */
  name?: string;
  createConf?: ConfFactory;
  validate: (value: unknown) => value is T;
  /** Where a refused value is wrong, for the log line. */
  describeProblem?: (value: unknown) => string;
  defaults: () => T;
  logger: Logger;
  /** For backup names; the system clock unless a test fixes it. */
  now?: () => number;
}

export const DEFAULT_SETTINGS_FILE = 'secure-access';

export function createConfSettingsStore<T extends object>(options: ConfSettingsStoreOptions<T>): SettingsStore<T> {
  const configName = options.name ?? DEFAULT_SETTINGS_FILE;
  const factory = options.createConf ?? createConf;
  const filePath = path.join(options.directory, `${configName}.json`);
  const now = options.now ?? Date.now;

  function setAside(reason: string, detail: string): void {
    const backup = `${filePath}.corrupt-${new Date(now()).toISOString().replace(/[:.]/g, '-')}`;
    try {
      fs.renameSync(filePath, backup);
      options.logger.warn('the settings file was unreadable; it was set aside and the defaults restored', { file: filePath, backup, reason, detail });
    } catch (error) {
      options.logger.error('the settings file was unreadable and could not be set aside', {
        file: filePath, reason, detail, message: error instanceof Error ? error.message : String(error),
      });
      fs.rmSync(filePath, { force: true });
    }
  }

  function open(): ConfLike {
    try {
      return factory({ cwd: options.directory, configName });
    } catch (error) {
      if (!fs.existsSync(filePath)) throw error;
      setAside('not valid JSON', error instanceof Error ? error.message : String(error));
      return factory({ cwd: options.directory, configName });
    }
  }

  const conf = open();

  function read(): T {
    let value: unknown;
    try {
      value = conf.store;
    } catch (error) {
      setAside('not valid JSON', error instanceof Error ? error.message : String(error));
      return options.defaults();
    }
    if (options.validate(value)) return value;
    const empty = typeof value === 'object' && value !== null && Object.keys(value).length === 0;
    if (!empty) setAside('not a state this version understands', options.describeProblem?.(value) ?? 'refused by the validator');
    return options.defaults();
  }

  return {
    location: conf.path,
    read,
    write(value: T) {
      conf.store = { ...(value as Record<string, unknown>) };
    },
  };
}
