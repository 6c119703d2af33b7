import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { SecureAccessError } from '../../../../protocol/errors';
import { en } from './en';
import { createFormatters, type Formatters, type Language } from './format';
import { fr, type Messages } from './fr';

const TABLES: Record<Language, Messages> = { fr, en };
const STORAGE_KEY = 'espace-client.language';

export interface I18n {
  language: Language;
  t: Messages;
  format: Formatters;
  setLanguage(language: Language): void;
  /** Words for any error a call can throw, in the current language. */
  errorMessage(error: unknown): string;
}

const I18nContext = createContext<I18n | null>(null);

function initialLanguage(): Language {
  try {
    const stored = window.localStorage.getItem(STORAGE_KEY);
    if (stored === 'fr' || stored === 'en') return stored;
  } catch {
    // Storage can be disabled by policy: French, the default, then.
  }
  return 'fr';
}

export function I18nProvider({ children }: { children: ReactNode }) {
  const [language, setLanguageState] = useState<Language>(initialLanguage);

  useEffect(() => {
    document.documentElement.lang = language;
  }, [language]);

  const setLanguage = useCallback((next: Language) => {
    setLanguageState(next);
    try {
      window.localStorage.setItem(STORAGE_KEY, next);
    } catch {
      // Not remembered across visits; the choice still applies now.
    }
  }, []);

  const value = useMemo<I18n>(() => {
    const t = TABLES[language];
    const format = createFormatters(language);
    return {
      language,
      t,
      format,
      setLanguage,
      errorMessage(error) {
        const known = error instanceof SecureAccessError ? error : new SecureAccessError('internal_error', String(error));
        return t.errors[known.code](known.facts, format);
      },
    };
  }, [language, setLanguage]);

  return <I18nContext.Provider value={value}>{children}</I18nContext.Provider>;
}

export function useI18n(): I18n {
  const value = useContext(I18nContext);
  if (!value) throw new Error('useI18n outside I18nProvider');
  return value;
}
