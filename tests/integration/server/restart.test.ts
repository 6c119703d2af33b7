/**
 * A rolling restart as a bank runs it: two instances on one PostgreSQL database behind a TCP load balancer, a desktop
 * running the app's real core (long-poll inbox, device token, signed decisions) connected through the balancer. The
 * instance holding its long-poll shuts down gracefully: the app asks again at once, reaches the other instance, never
 * shows a failure, and the next validation reaches it as fast as ever. (At scale, with ten thousand devices: the
 * bench's restart phase.)
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BENCH_APPROVAL_CODE, SimulatedDevice, type DeviceIdentity } from '../../../bench/fleet';
import { RequestCounter } from '../../../bench/http-transport';
import { fromBase64Url, toBase64Url } from '../../../protocol/index';
import { TcpLoadBalancer } from '../../harness/load-balancer';
import { PortalClient } from '../../harness/http-client';
import { TestClock, startTestServer, type TestServer } from '../../harness/server';
import { approveWaitingPortal, recordingLogger } from '../../unit/core/support';
import { SAMPLE_TRANSFER, userIdOf } from './helpers';

/** The bank's clock running with real time: the app's core signs with the real one. */
class RealTimeClock extends TestClock {
  override now = (): number => Date.now();
}

async function waitingOn(server: TestServer): Promise<number> {
  const text = await server.server.ctx.metrics.text();
  const line = text.split('\n').find((candidate) => candidate.startsWith('sa_long_polls_waiting{api="authenticator"}'));
  return Number(line?.split(' ')[1] ?? 0);
}

async function until(condition: () => Promise<boolean> | boolean): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 20));
}

describe('a graceful restart behind a load balancer (PostgreSQL, two instances)', () => {
  let first: TestServer;
  let second: TestServer;
  let balancer: TcpLoadBalancer;
  let desktop: SimulatedDevice;
  const logger = recordingLogger();
  const requests = new RequestCounter();
  const states: string[] = [];
  let portalSession: PortalClient;

  beforeAll(async () => {
    const clock = new RealTimeClock();
    first = await startTestServer({ database: 'postgres', clock });
    second = await startTestServer({ database: 'postgres', databaseUrl: first.databaseUrl, clock });
    // Activated without an approval code: the desktop chooses its own when it starts, as the app does.
    const user = await first.readyPrimaryAdmin();
    const device = await first.activateDevice(user, { deviceName: 'PC de Claire', approvalCode: false });
    portalSession = user.portal;
    balancer = await TcpLoadBalancer.start([{ host: '127.0.0.1', port: first.port }, { host: '127.0.0.1', port: second.port }]);
    const identity: DeviceIdentity = {
      userId: await userIdOf(first, user.identifier), identifier: user.identifier, displayName: 'Claire Durand', companyName: 'Durand Industrie SAS',
      deviceId: device.keyId as string, publicKey: device.publicKey, sessionToken: '', csrfToken: '', secretKey: fromBase64Url(toBase64Url(device.secretKey)),
    };
    desktop = new SimulatedDevice(identity, { serverUrl: balancer.url, requests, logger, waitSeconds: 25, approvalCode: BENCH_APPROVAL_CODE });
    desktop.core.on('onConnectivityChanged', (connectivity) => states.push(connectivity.overall));
    await desktop.start();
    await until(() => desktop.online);
    // The portal session opened before the activation passes Secure Access: the desktop approves its login with the
    // number and the approval code it chose.
    const { handlers } = desktop.core;
    await approveWaitingPortal({ listPending: () => handlers.listPending(undefined), decide: (input) => handlers.decide(input) }, desktop.accountId, portalSession, BENCH_APPROVAL_CODE);
  }, 120_000);

  afterAll(async () => {
    await desktop?.stop();
    await balancer?.close();
    await second?.close();
    await first?.close();
  });

  it('the app moves to the other instance at once, without a failure, and still gets the next validation', async () => {
    await until(async () => (await waitingOn(first)) + (await waitingOn(second)) === 1);
    const [holder, other] = (await waitingOn(first)) === 1 ? [first, second] : [second, first];
    const statesBefore = states.length;

    const report = await holder.server.shutdown({ timeoutMs: 10_000 });
    expect(report).toMatchObject({ answeredLongPolls: 1, cutRequests: 0 });
    await until(async () => (await waitingOn(other)) === 1);

    // Created through the remaining instance, with the same portal session (sessions live in the database).
    const portal = new PortalClient(other.baseUrl);
    Object.assign(portal, { cookie: portalSession.cookie, session: portalSession.session });
    const delivered = new Promise<string>((resolve) => (desktop.onDelivered = (_device, validation) => resolve(validation.id)));
    const { operation } = await portal.call('createTransfer', { body: { ...SAMPLE_TRANSFER } });
    expect(await delivered).toBe(operation.id);

    expect(states.slice(statesBefore).filter((state) => state !== 'online')).toEqual([]);
    expect(logger.lines.filter((line) => line.level !== 'info')).toEqual([]);
    expect(logger.lines.filter((line) => line.message === 'the server instance is restarting; sending the request again')).toHaveLength(1);
    expect(requests.failures).toBe(0);
    expect(await desktop.approve(operation.id)).toMatchObject({ status: 'approved' });
  }, 60_000);
});
