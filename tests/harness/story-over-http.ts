/**
 * The installation guide's first steps over plain HTTP against any running server (an in-process one, or the
 * production build in its own process): the bank opens a subscription (operations API), the primary administrator's
 * first connection (Code Sécurité by SMS, new Secret Code), his first device activated with the SMS code. Every
 * secret that passes is recorded, for the tests that check none of them reaches the log.
 */
import { approveWaitingSession, PortalClient, TestDevice } from './http-client';

export interface HttpStoryInput {
  baseUrl: string;
  /** The server's clock (signed requests carry it). */
  now: () => number;
  opsToken: string;
  /** Reads the newest code sent to this phone, as its owner would. */
  readCode(phone: string): string | Promise<string>;
  securityPhone: string;
  companyName?: string;
}

export interface HttpStoryResult {
  identifier: string;
  secretCode: string;
  securityPhone: string;
  portal: PortalClient;
  device: TestDevice;
  /** Every secret of the walk: codes typed, the session's cookie and CSRF token. */
  secrets: string[];
}

export async function firstConnectionOverHttp(input: HttpStoryInput): Promise<HttpStoryResult> {
  const secrets: string[] = [input.opsToken];
  const subscription = await fetch(`${input.baseUrl}/api/ops/v1/subscriptions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${input.opsToken}` },
    body: JSON.stringify({ companyName: input.companyName ?? 'Durand Industrie SAS', primaryAdmin: { displayName: 'Claire Durand', securityPhone: input.securityPhone } }),
  });
  if (subscription.status !== 201) throw new Error(`the subscription was refused: ${subscription.status} ${await subscription.text()}`);
  const { primaryAdmin, temporarySecretCode } = (await subscription.json()) as { primaryAdmin: { identifier: string }; temporarySecretCode: string };
  secrets.push(temporarySecretCode);

  const portal = new PortalClient(input.baseUrl);
  await portal.call('login', { body: { identifier: primaryAdmin.identifier, secretCode: temporarySecretCode } });
  await portal.call('sendSecurityCode', { body: { channel: 'sms' } });
  const securityCode = await input.readCode(input.securityPhone);
  secrets.push(securityCode);
  await portal.call('verifySecurityCode', { body: { code: securityCode } });
  const secretCode = 'Tresorerie2026!';
  secrets.push(secretCode);
  await portal.call('changeSecret', { body: { currentSecretCode: temporarySecretCode, newSecretCode: secretCode } });

  const device = new TestDevice(input.baseUrl, input.now);
  const { enrolment } = await device.call('createEnrolment', { body: {
    identifier: primaryAdmin.identifier, secretCode, deviceName: 'PC trésorerie', publicKey: device.publicKey, platform: 'linux', appVersion: 'test',
  } });
  await device.call('requestActivationCode', { params: { id: enrolment.id }, body: { channel: 'sms' } }, enrolment.id);
  const activationCode = await input.readCode(input.securityPhone);
  secrets.push(activationCode);
  const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code: activationCode } }, enrolment.id);
  device.keyId = activated.device.id;
  await device.registerApprovalKey();
  await approveWaitingSession(portal, device);
  const session = await portal.call('getSession');
  secrets.push(session.csrfToken);
  if (portal.cookie) secrets.push(portal.cookie.slice(portal.cookie.indexOf('=') + 1));
  return { identifier: primaryAdmin.identifier, secretCode, securityPhone: input.securityPhone, portal, device, secrets };
}
