/**
 * The server's metrics in Prometheus' text format (prom-client), one registry per server instance. Counters are per
 * process: sum them over instances in PromQL. Security counts come from the audit log's events (every security event
 * goes through services/audit.ts), so a metric cannot disagree with the audit trail; request counts from the HTTP
 * layer; pool and LISTEN state are read when scraped. See docs/operations.md for what each means and sample alerts.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../services/audit';

type Details = Record<string, string | number | boolean | null> | undefined;

export interface PoolReading {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricsSources {
  database: 'sqlite' | 'postgres';
  /** PostgreSQL: the pool's connections now. */
  pool(): PoolReading | null;
  /** PostgreSQL: whether the LISTEN connection is up. */
  listening(): boolean;
  draining(): boolean;
}

export class ServerMetrics {
  readonly registry = new Registry();
  readonly #requests: Histogram<'method' | 'route' | 'status'>;
  readonly #errors: Counter<'code'>;
  readonly #waiting: Gauge<'api'>;
  readonly #wakeup: Histogram;
  readonly #created: Counter<'kind'>;
  readonly #decided: Counter<'kind' | 'outcome'>;
  readonly #expired: Counter<'kind'>;
  readonly #codes: Counter<'purpose' | 'channel'>;
  readonly #codeFailures: Counter<'channel'>;
  readonly #security: Counter<'event'>;

  constructor(version: string) {
    const registers = [this.registry];
    // The event-loop delay histogram is sampled natively; 50 ms keeps it far from the idle server's CPU budget.
    collectDefaultMetrics({ register: this.registry, eventLoopMonitoringPrecision: 50 });
    new Gauge({ name: 'sa_build_info', help: 'The running server version (always 1).', labelNames: ['version'], registers }).set({ version }, 1);
    this.#requests = new Histogram({
      name: 'sa_http_request_duration_seconds', help: 'HTTP requests answered, by route pattern and status (long-polls included: they last up to their wait).',
      labelNames: ['method', 'route', 'status'], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers,
    });
    this.#errors = new Counter({ name: 'sa_http_errors_total', help: 'Error answers by their stable code (rate_limited, account_locked, …).', labelNames: ['code'], registers });
    this.#waiting = new Gauge({ name: 'sa_long_polls_waiting', help: 'Long-polls held open now (authenticator: devices; portal: pages).', labelNames: ['api'], registers });
    this.#waiting.set({ api: 'authenticator' }, 0);
    this.#waiting.set({ api: 'portal' }, 0);
    this.#wakeup = new Histogram({
      name: 'sa_wakeup_latency_seconds', help: 'From a validation\'s creation to its answer to a waiting device (server clock).',
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers,
    });
    this.#created = new Counter({ name: 'sa_validations_created_total', help: 'Validations created, by type (login, transfer, beneficiary).', labelNames: ['kind'], registers });
    this.#decided = new Counter({
      name: 'sa_validations_decided_total', help: 'Decisions recorded, by type and outcome (approved, rejected, number_mismatch).', labelNames: ['kind', 'outcome'], registers,
    });
    this.#expired = new Counter({ name: 'sa_validations_expired_total', help: 'Validations that expired undecided, by type (counted once, by the instance whose sweep marked them).', labelNames: ['kind'], registers });
    this.#codes = new Counter({ name: 'sa_codes_sent_total', help: 'One-time codes issued, by purpose and channel (sms, voice, administration).', labelNames: ['purpose', 'channel'], registers });
    this.#codeFailures = new Counter({ name: 'sa_code_delivery_failures_total', help: 'SMS/voice codes the provider could not take.', labelNames: ['channel'], registers });
    this.#security = new Counter({ name: 'sa_security_events_total', help: 'Audit log events (account_locked, login_failed, request_replayed, …).', labelNames: ['event'], registers });
  }

  /** Gauges read from the running server when scraped. */
  watch(sources: MetricsSources): void {
    const registers = [this.registry];
    if (sources.database === 'postgres') {
      // SQLite has neither a pool nor a LISTEN connection: those series are absent rather than a misleading 0.
      new Gauge({
        name: 'sa_db_pool_connections', help: 'PostgreSQL pool connections by state (in_use, idle).', labelNames: ['state'], registers,
        collect() {
          const pool = sources.pool();
          if (!pool) return;
          this.set({ state: 'in_use' }, pool.total - pool.idle);
          this.set({ state: 'idle' }, pool.idle);
        },
      });
      new Gauge({
        name: 'sa_db_pool_waiting', help: 'Queries waiting for a PostgreSQL pool connection.', registers,
        collect() {
          this.set(sources.pool()?.waiting ?? 0);
        },
      });
      new Gauge({
        name: 'sa_listen_connected', help: 'PostgreSQL: 1 while the LISTEN connection that hears other instances\' changes is up.', registers,
        collect() {
          this.set(sources.listening() ? 1 : 0);
        },
      });
    }
    new Gauge({
      name: 'sa_draining', help: '1 once the instance is shutting down (SIGTERM).', registers,
      collect() {
        this.set(sources.draining() ? 1 : 0);
      },
    });
    new Gauge({ name: 'sa_database_info', help: 'The database kind (always 1).', labelNames: ['database'], registers }).set({ database: sources.database }, 1);
  }

  request(method: string, route: string, status: number, seconds: number): void {
    this.#requests.observe({ method, route, status: String(status) }, seconds);
  }

  error(code: string): void {
    this.#errors.inc({ code });
  }

  longPollStarted(api: 'authenticator' | 'portal'): void {
    this.#waiting.inc({ api });
  }

  longPollEnded(api: 'authenticator' | 'portal'): void {
    this.#waiting.dec({ api });
  }

  wakeup(seconds: number): void {
    this.#wakeup.observe(Math.max(0, seconds));
  }

  expired(kind: string, count: number): void {
    this.#expired.inc({ kind }, count);
  }

  codeDeliveryFailed(channel: string): void {
    this.#codeFailures.inc({ channel });
  }

  /** Every audit event, and the counts derived from some of them. */
  audited(event: AuditEvent, details: Details): void {
    this.#security.inc({ event });
    const text = (name: string) => (typeof details?.[name] === 'string' ? (details[name] as string) : 'unknown');
    switch (event) {
      case 'validation_created':
        this.#created.inc({ kind: text('kind') });
        break;
      case 'validation_decided':
        this.#decided.inc({ kind: text('kind'), outcome: details?.reason === 'number_mismatch' ? 'number_mismatch' : text('status') });
        break;
      case 'security_code_sent':
        this.#codes.inc({ purpose: 'security_code', channel: text('channel') });
        break;
      case 'code_sent':
        this.#codes.inc({ purpose: 'activation_code', channel: text('channel') });
        break;
      case 'code_generated':
        this.#codes.inc({ purpose: 'activation_code', channel: 'administration' });
        break;
      default:
        break;
    }
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
