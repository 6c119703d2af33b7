/**
 * What a person does on the screens, step by step, written once for the e2e scenarios: every step finds controls by
 * their role and visible label (so the labels are tested too), types and clicks, and waits for the next screen.
 */
import type { Page } from 'playwright-core';
import type { PortalClient } from '../../harness/http-client';
import type { RendererHarness } from '../../harness/renderer-harness';
import { approveWaitingPortal } from '../../unit/core/support';

export const DEFAULT_DEVICE_NAME = 'cdurand – PC-COMPTA-04';

export async function heading(page: Page, name: string | RegExp): Promise<void> {
  await page.getByRole('heading', { level: 1, name }).waitFor();
}

/** Welcome: type the bank's server address (when no policy fixes it) and start. */
export async function startFromWelcome(page: Page, serverUrl: string | null): Promise<void> {
  await heading(page, /Bienvenue dans Secure Access|Ajouter un utilisateur sur cet ordinateur/);
  if (serverUrl !== null) await page.getByLabel('Adresse du serveur de votre banque').fill(serverUrl);
  await page.getByRole('button', { name: 'Commencer l’activation' }).click();
}

export async function signIn(page: Page, user: { identifier: string; secretCode: string }): Promise<void> {
  await heading(page, 'Connectez-vous');
  await page.getByLabel('Identifiant').fill(user.identifier);
  await page.getByLabel('Code Secret', { exact: true }).fill(user.secretCode);
  await page.getByRole('button', { name: 'Se connecter' }).click();
}

export async function nameDevice(page: Page, deviceName: string): Promise<void> {
  await heading(page, 'Personnalisez le nom de votre appareil');
  await page.getByLabel('Nom de l’appareil').fill(deviceName);
  await page.getByRole('button', { name: 'Enregistrer le nom' }).click();
}

export async function askCodeOnSecurityPhone(page: Page, channel: 'sms' | 'voice'): Promise<void> {
  await heading(page, 'Obtenez votre code d’activation');
  await page.getByRole('radio', { name: channel === 'sms' ? 'Par SMS' : 'Par service vocal' }).check();
  await page.getByRole('button', { name: 'Recevoir mon code d’activation' }).click();
  await heading(page, 'Saisissez votre code d’activation');
}

/** A primary administrator with an active device: the code is available at once in Administration. */
export async function askCodeInAdministration(page: Page): Promise<void> {
  await heading(page, 'Obtenez votre code d’activation');
  await page.getByText(/le code d’activation sera disponible immédiatement dans le module Administration/).waitFor();
  await page.getByRole('button', { name: 'Obtenir un code d’activation' }).click();
  await heading(page, 'Saisissez votre code d’activation');
}

/** A secondary user: the request goes to the administrator, who will pass the code on. */
export async function askCodeOfAdministrator(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Obtenir un code d’activation' }).click();
  await heading(page, 'Votre demande a été transmise à votre administrateur');
}

/** The approval code the people of the e2e scenarios choose (it meets every rule). */
export const APPROVAL_CODE = '482915';

/** Right after the activation code is accepted: the approval code, typed twice. */
export async function chooseApprovalCode(page: Page, code = APPROVAL_CODE): Promise<void> {
  await heading(page, 'Choisissez votre code de validation');
  await page.getByLabel('Code de validation', { exact: true }).fill(code);
  await page.getByLabel('Confirmez le code de validation').fill(code);
  await page.getByRole('button', { name: 'Enregistrer mon code' }).click();
}

/** The last step of an approval: the approval code, then "Oui, valider". */
export async function confirmWithApprovalCode(page: Page, code = APPROVAL_CODE): Promise<void> {
  await page.getByRole('heading', { name: 'Confirmez-vous la validation ?' }).waitFor();
  await page.getByLabel('Code de validation', { exact: true }).fill(code);
  await page.getByRole('button', { name: 'Oui, valider' }).click();
}

export async function typeActivationCode(page: Page, code: string): Promise<void> {
  await heading(page, 'Saisissez votre code d’activation');
  await page.getByLabel(/^Code d’activation \((8\schiffres|12\scaractères)\)$/).fill(code);
  await page.getByRole('button', { name: 'Activer Secure Access' }).click();
}

/**
 * From the welcome screen to "Saisissez votre code d’activation", for a primary administrator's first device whose
 * code goes to the Security Phone; returns the code sent.
 */
export async function requestFirstActivationCode(
  harness: RendererHarness,
  admin: { identifier: string; secretCode: string; securityPhone: string | null },
  deviceName: string,
  channel: 'sms' | 'voice',
  serverUrl: string | null = harness.server.baseUrl,
): Promise<string> {
  const { page, server } = harness;
  await startFromWelcome(page, serverUrl);
  await signIn(page, admin);
  await nameDevice(page, deviceName);
  await askCodeOnSecurityPhone(page, channel);
  return server.latestCode('activation_code', admin.securityPhone ?? undefined);
}

/** From the welcome screen to an active device, for a primary administrator's first device (SMS code), its approval code chosen. */
export async function activateFirstDeviceBySms(
  harness: RendererHarness,
  admin: { identifier: string; secretCode: string; securityPhone: string | null; portal?: PortalClient },
  deviceName: string,
  serverUrl: string | null = harness.server.baseUrl,
  approvalCode = APPROVAL_CODE,
): Promise<void> {
  await typeActivationCode(harness.page, await requestFirstActivationCode(harness, admin, deviceName, 'sms', serverUrl));
  await chooseApprovalCode(harness.page, approvalCode);
  await heading(harness.page, 'Secure Access est actif');
  if (admin.portal) await approvePortalOnThisComputer(harness, admin.portal, approvalCode);
}

/**
 * The person's Espace Client session, opened before this device was active, passes Secure Access: the portal asks,
 * and the login request is approved with its number and the approval code on this computer (through the core the
 * screens use).
 */
export async function approvePortalOnThisComputer(harness: RendererHarness, portal: PortalClient, approvalCode = APPROVAL_CODE): Promise<void> {
  const { handlers } = harness.core;
  const identifier = portal.session?.holder.identifier;
  const account = (await handlers.getSnapshot(undefined)).accounts.find((candidate) => candidate.identifier === identifier);
  if (!account) throw new Error(`no account of ${identifier} on this computer`);
  await approveWaitingPortal({ listPending: () => handlers.listPending(undefined), decide: (input) => handlers.decide(input) }, account.id, portal, approvalCode);
}

/**
 * A second person on this computer (Utilisateurs › Ajouter un utilisateur): they sign in, ask their administrator for
 * a code, the administrator generates it in Administration, they type it and choose their approval code; their
 * waiting Espace Client session (if any) is then approved on this computer.
 */
export async function addUserOnThisComputer(
  harness: RendererHarness,
  administrator: { portal: PortalClient },
  user: { identifier: string; secretCode: string; portal?: PortalClient },
  deviceName: string,
  approvalCode = APPROVAL_CODE,
): Promise<void> {
  const { page } = harness;
  await page.getByRole('navigation', { name: 'Navigation principale' }).getByRole('button', { name: 'Utilisateurs' }).click();
  await page.getByRole('button', { name: 'Ajouter un utilisateur' }).click();
  await startFromWelcome(page, harness.server.baseUrl);
  await signIn(page, user);
  await nameDevice(page, deviceName);
  await askCodeOfAdministrator(page);
  const { activations } = await administrator.portal.call('listActivations');
  const request = activations.find((activation) => activation.user.identifier === user.identifier && activation.codeState === 'not_generated');
  const { activation } = await administrator.portal.call('generateActivationCode', { params: { id: request?.enrolmentId ?? '' } });
  await typeActivationCode(page, activation.code ?? '');
  await chooseApprovalCode(page, approvalCode);
  await heading(page, 'Secure Access est actif');
  // Their Espace Client session, opened before this device was active, passes Secure Access with their own code.
  if (user.portal) await approvePortalOnThisComputer(harness, user.portal, approvalCode);
  await page.getByRole('button', { name: 'Terminer' }).click();
}

/** Another digit in the same place: a code that is certainly wrong, as a slip of the finger makes one. */
export function wrongCodeFor(code: string): string {
  const first = Number(code[0]);
  return `${(first + 1) % 10}${code.slice(1)}`;
}

/**
 * Presses Tab (at most 40 times) until the focused control's name matches, as a keyboard user does, and checks that
 * the focus is visible there (a :focus-visible outline on the control, or on the tile drawn for a hidden radio).
 */
export async function tabTo(page: Page, name: string | RegExp): Promise<void> {
  const seen: string[] = [];
  for (let press = 0; press < 40; press++) {
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const element = document.activeElement as HTMLElement | null;
      if (!element || element === document.body) return null;
      const label = element.getAttribute('aria-label')
        ?? (element.id ? document.querySelector(`label[for="${element.id}"]`)?.textContent : null)
        ?? element.closest('label')?.textContent
        ?? element.textContent
        ?? '';
      // A control drawn by its neighbour (a transparent radio over its tile) shows its focus there.
      const drawn = getComputedStyle(element).opacity === '0' && element.nextElementSibling instanceof HTMLElement ? element.nextElementSibling : element;
      return {
        name: label.replace(/\s+/g, ' ').trim(),
        visible: element.matches(':focus-visible') && getComputedStyle(drawn).outlineStyle !== 'none' && getComputedStyle(drawn).outlineWidth !== '0px',
      };
    });
    if (!focused) continue;
    seen.push(focused.name);
    if (typeof name === 'string' ? focused.name === name : name.test(focused.name)) {
      if (!focused.visible) throw new Error(`the focus on "${focused.name}" is not visible`);
      return;
    }
  }
  throw new Error(`Tab never reached "${String(name)}"; it went through: ${seen.join(' | ')}`);
}
