/**
 * One throwaway PostgreSQL cluster for the whole test run. It is stopped at the end of the run, and if the run is
 * killed before its teardown, by a watcher that sees the run's process end; clusters left by runs killed some other
 * way (the watcher killed too) are removed at the start of the next run.
 */
import { removeLeftoverClusters, startPostgresCluster, TEST_PG_ENV, type PostgresCluster } from './postgres';

let cluster: PostgresCluster | undefined;

export async function setup(): Promise<void> {
  if (!process.env[TEST_PG_ENV]) {
    removeLeftoverClusters();
    cluster = await startPostgresCluster();
    process.env[TEST_PG_ENV] = cluster.adminUrl;
  }
}

export async function teardown(): Promise<void> {
  cluster?.stop();
}
