/**
 * The tables, as Kysely sees them. One code path for SQLite and PostgreSQL: times are integer milliseconds
 * (bigint), booleans are integers 0/1, JSON is text. Nothing here is kept only in a process's memory.
 */
export interface CompaniesTable {
  id: string;
  name: string;
  created_at: number;
}

export interface UsersTable {
  id: string;
  company_id: string;
  identifier: string;
  /** Lower-cased identifier: identifiers are unique without regard to case. */
  identifier_key: string;
  display_name: string;
  role: 'primary_admin' | 'admin' | 'user';
  secret_hash: string;
  must_change_secret: number;
  security_phone: string | null;
  failed_logins: number;
  locked_until: number | null;
  suspended: number;
  /** Bumped whenever what the user's devices show changes (validations, the count of active devices): the long-poll cursor. */
  validation_version: number;
  created_at: number;
}

export interface EnrolmentsTable {
  id: string;
  user_id: string;
  device_name: string;
  public_key: string;
  platform: string;
  app_version: string;
  state: 'awaiting_code_request' | 'code_sent' | 'awaiting_administrator' | 'code_available' | 'active' | 'failed';
  code_delivery: 'security_phone' | 'administration' | 'administrator';
  channel: 'sms' | 'voice' | null;
  code_hash: string | null;
  /** Codes from Administration are shown to the administrator while usable; SMS/voice codes never are. */
  code_display: string | null;
  code_generated_at: number | null;
  code_expires_at: number | null;
  code_used_at: number | null;
  failed_attempts: number;
  device_id: string | null;
  requested_ip: string;
  created_at: number;
}

export interface DevicesTable {
  id: string;
  user_id: string;
  enrolment_id: string;
  name: string;
  public_key: string;
  platform: string;
  /** `locked`: five wrong approval codes in a row; it approves nothing more and is not counted among the 5. */
  status: 'active' | 'locked' | 'revoked';
  activated_at: number;
  last_seen_at: number | null;
  revoked_at: number | null;
  revoked_by: string | null;
  /** The public half of the device's approval key (the approval code's): null until the app registers one. */
  approval_public_key: string | null;
  approval_key_set_at: number | null;
  /** Wrong approval codes in a row; the fifth locks the device. */
  approval_failures: number;
  locked_at: number | null;
}

export interface ValidationsTable {
  id: string;
  user_id: string;
  company_id: string;
  kind: 'login' | 'transfer' | 'beneficiary';
  details_json: string;
  details_hash: string;
  nonce: string;
  login_number: number | null;
  number_choices: string | null;
  /** 'expired' is written by the expiry sweep (services/expiry.ts); a pending row past expires_at is expired already. */
  status: 'pending' | 'approved' | 'rejected' | 'expired';
  decision_reason: string | null;
  created_at: number;
  expires_at: number;
  decided_at: number | null;
  decided_by_device: string | null;
  decision_signature: string | null;
  /** An approval's second signature, by the device's approval key (the approval code's). */
  approval_signature: string | null;
  debit_account_id: string | null;
}

export interface PortalSessionsTable {
  token_hash: string;
  user_id: string;
  csrf_token: string;
  security_code_hash: string | null;
  security_code_channel: 'sms' | 'voice' | null;
  security_code_sent_at: number | null;
  security_code_expires_at: number | null;
  security_code_attempts: number;
  security_code_verified_at: number | null;
  login_validation_id: string | null;
  ip: string;
  user_agent: string;
  created_at: number;
  last_seen_at: number;
  ended_at: number | null;
}

export interface RequestNoncesTable {
  key_id: string;
  nonce: string;
  expires_at: number;
}

export interface RateLimitsTable {
  bucket: string;
  window_start: number;
  count: number;
}

export interface AuditLogTable {
  id: string;
  at: number;
  event: string;
  user_id: string | null;
  device_id: string | null;
  ip: string | null;
  details_json: string;
}

export interface OutboxTable {
  id: string;
  at: number;
  channel: 'sms' | 'voice';
  to_phone: string;
  text: string;
  purpose: 'security_code' | 'activation_code';
  user_id: string | null;
}

export interface BankAccountsTable {
  id: string;
  company_id: string;
  name: string;
  iban: string;
  currency: string;
  balance_minor: number;
}

export interface ServerSecretsTable {
  name: string;
  value: string;
}

export interface Database {
  companies: CompaniesTable;
  users: UsersTable;
  enrolments: EnrolmentsTable;
  devices: DevicesTable;
  validations: ValidationsTable;
  portal_sessions: PortalSessionsTable;
  request_nonces: RequestNoncesTable;
  rate_limits: RateLimitsTable;
  audit_log: AuditLogTable;
  outbox: OutboxTable;
  bank_accounts: BankAccountsTable;
  server_secrets: ServerSecretsTable;
}

