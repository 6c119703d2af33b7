/**
 * electron-store behind the generic conf-based SettingsStore (settings-store.ts): in the app the file lives in
 * the userData folder and electron-store handles Electron's paths; the corruption handling, validation and
 * atomic writes are settings-store.ts's. Loaded by main/index.ts only (electron-store requires Electron).
 */
import ElectronStore from 'electron-store';
import type { Logger, SettingsStore } from '../core/ports';
import { describeStateProblem, defaultPersistedState, isPersistedState, type PersistedStateT } from '../core/state';
import { createConfSettingsStore, type ConfFactory } from './settings-store';

export const createElectronConf: ConfFactory = ({ cwd, configName }) =>
  new ElectronStore<Record<string, unknown>>({ cwd, name: configName, clearInvalidConfig: false, accessPropertiesByDotNotation: false });

export function createElectronSettingsStore(directory: string, logger: Logger): SettingsStore<PersistedStateT> {
  return createConfSettingsStore<PersistedStateT>({
    directory,
    createConf: createElectronConf,
    validate: isPersistedState,
    describeProblem: describeStateProblem,
    defaults: defaultPersistedState,
    logger,
  });
}
