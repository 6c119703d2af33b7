import { startPostgresCluster, TEST_PG_ENV, type PostgresCluster } from './postgres';

let cluster: PostgresCluster | undefined;

export async function setup(): Promise<void> {
  if (!process.env[TEST_PG_ENV]) {
    cluster = await startPostgresCluster();
    process.env[TEST_PG_ENV] = cluster.adminUrl;
  }
}

export async function teardown(): Promise<void> {
  cluster?.stop();
}
