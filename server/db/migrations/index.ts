/** Every migration, listed explicitly and named by timestamp, in order. */
import type { Migration } from 'kysely';
import * as initial from './2026-11-27T10-00-initial';
import * as validationsExpiry from './2026-12-01T09-00-validations-expiry';
import * as bankAccountIbanIndex from './2026-12-01T10-00-bank-account-iban-index';
import * as approvalCode from './2026-12-02T10-00-approval-code';

export const MIGRATIONS: Record<string, Migration> = {
  '2026-11-27T10-00-initial': initial,
  '2026-12-01T09-00-validations-expiry': validationsExpiry,
  '2026-12-01T10-00-bank-account-iban-index': bankAccountIbanIndex,
  '2026-12-02T10-00-approval-code': approvalCode,
};
