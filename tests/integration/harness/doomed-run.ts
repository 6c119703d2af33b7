/**
 * A test run cut short, for tests/integration/harness/killed-run.test.ts: it starts a PostgreSQL cluster and a server
 * process the way the test harness does, says where they are, and waits to be killed.
 */
import { startPostgresCluster } from '../../harness/postgres';
import { startServerProcess } from '../server/helpers';

const cluster = await startPostgresCluster();
const server = await startServerProcess({ DATABASE_URL: 'sqlite::memory:', SA_DEMO: '1' });
console.log(JSON.stringify({ clusterDir: cluster.dir, serverPid: server.pid }));
setInterval(() => {}, 60_000);
