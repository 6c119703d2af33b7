/**
 * The adversarial driver: one burst of concurrent requests against one limit of the protocol, the right answer mixed
 * with wrong ones, on every deployment the server supports (SQLite; PostgreSQL; two instances on one PostgreSQL
 * database, the requests split between them). Each limit is a plug-in (see README.md): how to set it up, how to send
 * a right and a wrong attempt, how to read what the server counted. The driver asserts the same four things of all:
 *
 * 1. never more counted than allowed (checks of a code, codes sent, devices activated, decisions recorded...);
 * 2. never more accepted than allowed, and no answer but the ones the limit may give (no 5xx, ever);
 * 3. the limit, once reached, holds: a right attempt after the burst is refused, and the state stays reached
 *    (a success never erased a lock);
 * 4. a right attempt is refused only because the limit was reached (no answer is lost to the race itself).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ErrorCode } from '../../protocol/index';
import type { Limits } from '../../server/config';
import { startTestServer, type TestServer } from '../harness/server';

/** One answer of the server, as the driver sees it: the HTTP status and, for a refusal, the error code. */
export interface Answer {
  status: number;
  code: string | null;
}

export type AttemptKind = 'right' | 'wrong';

/** What the server counted against the limit after the burst, read from its database. */
export interface LimitState {
  /** How many attempts the server counted against the limit (checked, sent, activated, recorded). */
  counted: number;
  /** Whether the limit is now reached (a lock, an exhausted count, a decided validation...). */
  reached: boolean;
}

/** One limit set up on one deployment, ready for a burst. */
export interface LimitRun {
  /** Sends one attempt to one of the deployment's instances. `index` runs over the burst (0 … size - 1). */
  attempt(kind: AttemptKind, server: TestServer, index: number): Promise<Answer>;
  state(): Promise<LimitState>;
}

export interface LimitPlugin {
  /** Says what is limited, e.g. "Code Secret attempts at portal login". */
  name: string;
  /** The burst: how many right and wrong attempts, sent all at once in a shuffled order (at least 100 in all). */
  burst: { right: number; wrong: number };
  /** The most the server may count, given how many attempts it accepted (a success may open a new count). */
  allowed(accepted: number): number;
  /** The most attempts that may be accepted. */
  maxAccepted: number;
  /** The error codes a refused attempt may carry (wrong answers and refusals once the limit is reached). */
  refusals: readonly ErrorCode[];
  /** Sets the limit up on a deployment: `servers[0]` for the set-up, every server for the burst. */
  setUp(servers: readonly TestServer[]): Promise<LimitRun>;
}

/** The limits every deployment of the adversarial suite runs with (the guide's, except what the set-up needs). */
export const ADVERSARIAL_LIMITS: Partial<Limits> = { codeRequestsPerAccount: 30, codeRequestsPerIp: 1_000_000 };

const isSuccess = (answer: Answer) => answer.status >= 200 && answer.status < 300;

/** Fisher–Yates with Math.random: each run mixes the right answers in at other places. */
function shuffled<T>(items: T[]): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
  }
  return copy;
}

export async function runLimit(plugin: LimitPlugin, servers: readonly TestServer[]): Promise<void> {
  const size = plugin.burst.right + plugin.burst.wrong;
  expect(size, 'a burst is at least 100 requests').toBeGreaterThanOrEqual(100);
  const run = await plugin.setUp(servers);
  const kinds = shuffled<AttemptKind>([...Array<AttemptKind>(plugin.burst.right).fill('right'), ...Array<AttemptKind>(plugin.burst.wrong).fill('wrong')]);
  const answers = await Promise.all(kinds.map((kind, index) => run.attempt(kind, servers[index % servers.length] as TestServer, index)));

  const summary = summarize(kinds, answers);
  for (const answer of answers) {
    expect(answer.status, `no server error (${summary})`).toBeLessThan(500);
    if (!isSuccess(answer)) expect(plugin.refusals, `refusal code (${summary})`).toContain(answer.code);
  }
  const accepted = answers.filter(isSuccess).length;
  expect(kinds.filter((kind, index) => kind === 'wrong' && isSuccess(answers[index] as Answer)), `no wrong attempt accepted (${summary})`).toEqual([]);
  expect(accepted, `accepted (${summary})`).toBeLessThanOrEqual(plugin.maxAccepted);

  const state = await run.state();
  expect(state.counted, `counted by the server (${summary})`).toBeLessThanOrEqual(plugin.allowed(accepted));
  const rightRefused = kinds.some((kind, index) => kind === 'right' && !isSuccess(answers[index] as Answer));
  if (rightRefused) expect(state.reached, `a right attempt was refused, so the limit must be reached (${summary})`).toBe(true);
  if (!state.reached) return;

  // Reached: it holds. A right attempt now is refused, and nothing the burst did undid the limit.
  const after = await run.attempt('right', servers[0] as TestServer, size);
  expect(isSuccess(after), `a right attempt after the limit was reached (${summary})`).toBe(false);
  expect(plugin.refusals).toContain(after.code);
  const settled = await run.state();
  expect(settled.reached).toBe(true);
  expect(settled.counted).toBeLessThanOrEqual(plugin.allowed(accepted));
}

function summarize(kinds: AttemptKind[], answers: Answer[]): string {
  const tally = new Map<string, number>();
  kinds.forEach((kind, index) => {
    const answer = answers[index] as Answer;
    const key = `${kind} → ${answer.status}${answer.code ? ` ${answer.code}` : ''}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
  });
  return [...tally].map(([key, count]) => `${count}× ${key}`).join(', ');
}

/** The deployments every limit runs on. */
const DEPLOYMENTS = [
  { name: 'SQLite', database: 'sqlite', instances: 1 },
  { name: 'PostgreSQL', database: 'postgres', instances: 1 },
  { name: 'two instances on PostgreSQL', database: 'postgres', instances: 2 },
] as const;

/** One describe block per deployment, one test per limit: the servers are started once per deployment. */
export function describeLimits(plugins: readonly LimitPlugin[]): void {
  for (const deployment of DEPLOYMENTS) {
    describe(`every limit holds under a concurrent burst: ${deployment.name}`, () => {
      const servers: TestServer[] = [];
      beforeAll(async () => {
        const first = await startTestServer({ database: deployment.database, limits: ADVERSARIAL_LIMITS });
        servers.push(first);
        for (let i = 1; i < deployment.instances; i++) {
          servers.push(await startTestServer({ database: 'postgres', databaseUrl: first.databaseUrl, clock: first.clock, limits: ADVERSARIAL_LIMITS }));
        }
      });
      afterAll(async () => {
        for (const server of servers.reverse()) await server.close();
      });
      for (const plugin of plugins) {
        it(plugin.name, async () => runLimit(plugin, servers), 120_000);
      }
    });
  }
}
