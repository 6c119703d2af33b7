import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../harness/server';

describe.each(['sqlite', 'postgres'] as const)('the reference server walks the installation guide (%s)', (database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(async () => {
    await server.close();
  });

  it('a primary administrator activates a first device by SMS, then approves a transfer from it', async () => {
    const admin = await server.readyPrimaryAdmin();
    expect(admin.portal.session?.step).toBe('install');
    const device = await server.activateDevice(admin);
    const session = await admin.portal.call('getSession');
    expect(session.step).toBe('authenticated');

    const { operation } = await admin.portal.call('createTransfer', { body: { amount: '12345.67', currency: 'EUR', payeeName: 'Fournitures Martin', iban: 'FR76 3000 6000 0112 3456 7890 189', reference: 'Facture 118' } });
    const pending = await device.call('pendingValidations', { query: {} });
    expect(pending.validations.map((v) => v.id)).toEqual([operation.id]);
    const validation = pending.validations[0]!;
    const decided = await device.call('decide', { params: { id: validation.id }, body: device.decisionBody(validation, 'approve', null) });
    expect(decided.status).toBe('approved');
    const after = await admin.portal.call('getOperation', { params: { id: operation.id } });
    expect(after.operation.status).toBe('approved');
  });
});
