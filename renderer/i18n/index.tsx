/** The current language's dictionary, through React context; plus the one function that turns any error into words. */
import { createContext, useContext } from 'react';
import type { AppErrorCode, Language } from '../../preload/contract';
import type { ErrorFacts } from '../../protocol/errors';
import { formatHourMinute } from '../format';
import { en } from './en';
import { fr, type Dictionary } from './fr';

export type { Dictionary };

export const DICTIONARIES: Record<Language, Dictionary> = { fr, en };

export interface I18n {
  language: Language;
  t: Dictionary;
}

export const I18nContext = createContext<I18n>({ language: 'fr', t: fr });

export function useI18n(): I18n {
  return useContext(I18nContext);
}

/** What the bridge rejects with: a BridgeError carrying a stable code and its facts. */
export interface CodedError extends ErrorFacts {
  code: AppErrorCode;
}

export function isCodedError(error: unknown): error is CodedError {
  return typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'string'
    && Object.hasOwn(fr.errors, (error as { code: string }).code);
}

export function errorCodeOf(error: unknown): AppErrorCode | null {
  return isCodedError(error) ? error.code : null;
}

export function errorMessage(error: unknown, { language, t }: I18n): string {
  if (!isCodedError(error)) return t.unexpectedError;
  return t.errors[error.code]({ facts: error, formatTime: (iso) => formatHourMinute(iso, language) });
}
