/**
 * The reference server as a process of its own, started as `server/cli.ts` starts it (DATABASE_URL, PORT, HOST,
 * SA_OPS_TOKEN), that kills itself with SIGKILL right after it commits a change of one of the users listed in
 * SA_TEST_KILL_AFTER_COMMIT_OF (comma-separated ids): before it applies the change to its own view, before it
 * answers, before anything else — what a crash at the worst moment leaves to the other instances. Tests only.
 */
import { createServer } from '../../server/app';

const victims = new Set((process.env.SA_TEST_KILL_AFTER_COMMIT_OF ?? '').split(',').filter(Boolean));

const server = await createServer({
  databaseUrl: process.env.DATABASE_URL,
  opsToken: process.env.SA_OPS_TOKEN,
  logger: false,
  faults: {
    afterCommit(changes) {
      if (changes.some((change) => victims.has(change.userId))) process.kill(process.pid, 'SIGKILL');
    },
  },
});
const url = await server.listen({ port: Number(process.env.PORT ?? 0), host: process.env.HOST ?? '127.0.0.1' });
console.log(`Secure Access reference server on ${url} (killed right after committing a change of ${[...victims].join(', ')})`);
