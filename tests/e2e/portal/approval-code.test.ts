/**
 * The approval code as the Espace Client shows it: a device whose approvals are locked after five wrong approval
 * codes is marked so in Gestion de la sécurité › Appareils and in Ma sécurité, no longer counts among the user's 5,
 * can still be deactivated (not renamed); a device that has not chosen its code yet says so.
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestDevice, approveWaitingSession } from '../../harness/http-client';
import { startTestServer, type ReadyUser, type TestServer } from '../../harness/server';
import {
  activateWithCode, checkPage, enrolDevice, launchChromium, openPortal, pendingOnDevice, signedInPrimaryAdmin, STORY_TIMEOUT_MS, textOf, type PortalPage,
} from './support';

describe('Espace Client: a device whose approvals are locked', () => {
  let server: TestServer;
  let browser: Browser;
  let portal: PortalPage;
  let page: Page;
  let admin: ReadyUser & { device: TestDevice };

  beforeAll(async () => {
    server = await startTestServer({ startAt: Date.now() });
    browser = await launchChromium();
    portal = await openPortal(browser, server);
    page = portal.page;
    admin = await signedInPrimaryAdmin(server, page);
    // The API session the test reads Administration with waited at the installation step: it passes Secure Access,
    // approved on the first device with its approval code.
    await approveWaitingSession(admin.portal, admin.device);
  }, STORY_TIMEOUT_MS);

  afterAll(async () => {
    await browser?.close();
    await server?.close();
  });

  /** A further device of the administrator, its code read in Administration › Activation. */
  async function furtherDevice(name: string, options: { approvalCode: boolean }): Promise<TestDevice> {
    const { device, enrolment } = await enrolDevice(server, admin.identifier, admin.secretCode, name);
    await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
    const { activations } = await admin.portal.call('listActivations');
    const code = activations.find((activation) => activation.enrolmentId === enrolment.id)!.code!;
    if (options.approvalCode) {
      await activateWithCode(device, enrolment.id, code);
    } else {
      const activated = await device.call('activate', { params: { id: enrolment.id }, body: { code } }, enrolment.id);
      device.keyId = activated.device.id;
    }
    return device;
  }

  it(
    'is shown locked in Appareils and Ma sécurité, out of the 5, can be deactivated; a device without its code yet says so',
    async () => {
      const laptop = await furtherDevice('Portable Claire', { approvalCode: true });
      await furtherDevice('Tablette Claire', { approvalCode: false });

      // Five wrong approval codes on the laptop, for a login it received.
      const browserLogin = server.portal();
      await browserLogin.call('login', { body: { identifier: admin.identifier, secretCode: admin.secretCode } });
      const login = await pendingOnDevice(laptop, (candidate) => candidate.id === browserLogin.session!.loginValidation!.id);
      const number = browserLogin.session!.loginValidation!.number;
      for (let attempt = 1; attempt <= 5; attempt++) {
        await laptop.call('decide', { params: { id: login.id }, body: laptop.decisionBody(login, 'approve', number, login.detailsHash, TestDevice.wrongApprovalKey()) })
          .catch((error: { code: string }) => expect(error.code).toBe(attempt < 5 ? 'approval_code_invalid' : 'approval_code_locked'));
      }

      await page.getByRole('link', { name: 'Appareils' }).click();
      await page.getByRole('heading', { level: 1, name: 'Appareils' }).waitFor();
      const section = page.locator(`section[data-user="${admin.identifier}"]`);
      // PC Trésorerie and the tablet: the locked laptop is not counted.
      await section.locator('.device-count', { hasText: '2 / 5 appareils actifs' }).waitFor();
      const laptopRow = section.locator('tr', { hasText: 'Portable Claire' });
      expect(await textOf(laptopRow)).toMatch(/Validations bloquées Depuis le .* après 5\scodes de validation erronés/);
      expect(await laptopRow.getByRole('button', { name: 'Désactiver l’appareil «\u00a0Portable Claire\u00a0»' }).count()).toBe(1);
      expect(await laptopRow.getByRole('button', { name: /^Renommer/ }).count()).toBe(0);
      expect(await textOf(section.locator('tr', { hasText: 'Tablette Claire' }))).toContain('Code de validation pas encore choisi');
      await checkPage(portal, '17b-devices-approvals-locked');

      await page.getByRole('link', { name: 'Ma sécurité' }).click();
      await page.getByRole('heading', { level: 1, name: 'Ma sécurité' }).waitFor();
      await page.getByText('Les validations sont bloquées sur «\u00a0Portable Claire\u00a0» après 5\u00a0codes de validation erronés').waitFor();
      await checkPage(portal, '20b-my-security-approvals-locked');

      // Deactivated from here; the audit log has every step.
      const devices = page.locator('section', { hasText: 'Mes appareils Secure Access' });
      await devices.getByRole('button', { name: 'Désactiver l’appareil «\u00a0Portable Claire\u00a0»' }).click();
      await page.getByRole('dialog', { name: 'Désactiver cet appareil\u202f?' }).getByRole('button', { name: 'Désactiver l’appareil' }).click();
      await page.getByText('L’appareil «\u00a0Portable Claire\u00a0» est désactivé.').waitFor();
      const events = await server.server.ctx.db.selectFrom('audit_log').select('event').where('device_id', '=', laptop.keyId!).execute();
      expect(events.map((row) => row.event).filter((event) => event.startsWith('approval')).sort()).toEqual([
        'approval_code_failed', 'approval_code_failed', 'approval_code_failed', 'approval_code_failed', 'approval_code_failed', 'approval_code_set', 'approvals_locked',
      ]);
    },
    STORY_TIMEOUT_MS,
  );
});
