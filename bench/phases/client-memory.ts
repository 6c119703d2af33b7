/** 3 of the issue, client side: the RSS of a core with five accounts idle, in a process of its own. */
import { toBase64Url } from '../../protocol/index';
import type { ClientMemoryReport, ClientProcessConfig } from '../client-process';
import { pool, type SuiteContext } from '../context';
import { builtEntry, firstMessage, spawnNodeChild, stopChild } from '../processes';

export async function runClientMemory(ctx: SuiteContext): Promise<ClientMemoryReport> {
  const accounts = pool(ctx, 'client');
  ctx.progress(`client core with ${accounts.length} idle accounts, in its own process`);
  const outfile = await builtEntry('client-process.ts', true);
  const config: ClientProcessConfig = {
    serverUrl: ctx.server.url,
    waitSeconds: ctx.profile.longPollWaitSeconds,
    settleSeconds: ctx.profile.client.settleSeconds,
    accounts: accounts.map((account) => ({
      userId: account.userId, identifier: account.identifier, displayName: account.displayName, companyName: account.companyName,
      deviceId: account.deviceId, secretKey: toBase64Url(account.secretKey),
    })),
  };
  const child = spawnNodeChild(outfile, { SA_BENCH_CLIENT_CONFIG: JSON.stringify(config) }, { exposeGc: true, plain: true });
  try {
    return await firstMessage(child, (message) => message as ClientMemoryReport, 60_000 + config.settleSeconds * 1000, 'the client process to report');
  } finally {
    await stopChild(child, 5_000);
  }
}
