/**
 * The installation guide, lived end to end by the people it speaks to: Claire Durand, primary administrator of
 * Durand Industrie SAS, and Marc Petit, the accountant she creates. One bank (the real reference server, real HTTP),
 * the Espace Client in Chromium, typed and clicked as a person does, and Secure Access installations (the built
 * renderer in Chromium over a real core, each with its own keychain service in the real OS keychain).
 *
 * The steps build on each other, as a story does; once one fails the rest are skipped (they could only fail after it),
 * and what every window showed is saved in test-results/story/. A picture of each key moment, the windows side by
 * side, goes to docs/screenshots/story/ with `npm run screenshots` (test-results/screenshots/story/ otherwise).
 */
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WINDOW, closeSharedBrowser, startRendererHarness, type RendererHarness } from '../../harness/renderer-harness';
import { leakedSecrets, secretsInDatabase } from '../../harness/log-capture';
import { OPS_TOKEN, type TestServer } from '../../harness/server';
import { osKeychainEntry } from '../../integration/core/support';
import { activateWithCode, enrolDevice, fillLogin, openPortal, textOf, type PortalPage } from '../portal/support';
import {
  askCodeInAdministration, askCodeOfAdministrator, askCodeOnSecurityPhone, chooseApprovalCode, confirmWithApprovalCode, heading, nameDevice, signIn, startFromWelcome,
  typeActivationCode,
} from '../renderer/steps';
import {
  accountIdOf, advanceTime, approveLoginInApp, backToInbox, centsOf, decideOpenTransfer, decideTransferInApp, enterTransfer, inboxItem, openActivationPage, openPortalPage,
  openTransferInApp, portalStatus, readCodeInOutbox, replayActivation, saveFailure, showInbox, signInWithSecureAccess, startStoryServer, storyLog, storyShot,
} from './support';

/** A person's walk across several windows on two shared cores: generous, so only a real fault fails a step. */
const STEP_TIMEOUT_MS = 180_000;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const COMPANY = 'Durand Industrie SAS';
const claire = { displayName: 'Claire Durand', identifier: '', temporarySecretCode: '', securityPhone: '', secretCode: 'Tresorerie2026', approvalCode: '482915' };
const marc = { displayName: 'Marc Petit', identifier: '', temporarySecretCode: '', secretCode: 'Comptable2026', approvalCode: '736152' };
const SUPPLIER_IBAN = 'FR76 3000 6000 0112 3456 7890 189';

describe('the installation guide, end to end: Espace Client and Secure Access', () => {
  let server: TestServer;
  let browser: Browser;
  let claireWeb: PortalPage;
  let marcWeb: PortalPage;
  /** Claire's office computer, shared with Marc from step 6. */
  let pcTresorerie: RendererHarness;
  /** Claire's second device. */
  let portableClaire: RendererHarness;
  /** Marc's computer. */
  let pcMarc: RendererHarness;
  /** Marc's second request, whose code is left unused for 24 hours. */
  let portableMarc: RendererHarness | undefined;
  /** The sixth installation Claire tries. */
  let sixth: RendererHarness | undefined;
  let storyBroken = false;

  const apps = () => [pcTresorerie, portableClaire, pcMarc, portableMarc, sixth].filter((app): app is RendererHarness => app !== undefined);
  const claireAt = (): Page => claireWeb.page;
  const marcAt = (): Page => marcWeb.page;

  beforeAll(async () => {
    server = await startStoryServer();
    // The first installation is made now (not yet opened: Claire installs it in step 2); its Chromium serves every window.
    pcTresorerie = await startRendererHarness({ server });
    const shared = pcTresorerie.context.browser();
    if (!shared) throw new Error('the app harness has no browser');
    browser = shared;
    claireWeb = await openPortal(browser, server);
  }, STEP_TIMEOUT_MS);

  afterEach(async ({ task }) => {
    if (task.result?.state !== 'fail') return;
    storyBroken = true;
    const windows = [
      { name: 'espace-client-claire', page: claireWeb?.page },
      { name: 'espace-client-marc', page: marcWeb?.page },
      ...[['pc-tresorerie', pcTresorerie], ['portable-claire', portableClaire], ['pc-marc', pcMarc], ['portable-marc', portableMarc], ['sixth', sixth]]
        .map(([name, app]) => ({ name: name as string, page: (app as RendererHarness | undefined)?.page, logs: (app as RendererHarness | undefined)?.logs })),
    ];
    console.error(`windows at failure: ${await saveFailure(task.name, windows)}`);
  });

  afterAll(async () => {
    for (const app of apps()) await app.close();
    await claireWeb?.context.close();
    await marcWeb?.context.close();
    await closeSharedBrowser();
    await server?.close();
  }, STEP_TIMEOUT_MS);

  it('1. the primary administrator’s first connection: Code Sécurité by SMS, read in the outbox; the temporary Secret Code changed; “Installer Secure Access”', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    // The bank opens the subscription; Claire receives her identifier and her first-connection Secret Code.
    const { admin } = await server.createCompany({ companyName: COMPANY, adminName: claire.displayName });
    Object.assign(claire, { identifier: admin.identifier, temporarySecretCode: admin.temporarySecretCode, securityPhone: admin.securityPhone });
    const page = claireAt();

    await page.getByRole('heading', { level: 1, name: 'Connexion à votre Espace Client' }).waitFor();
    await fillLogin(page, claire.identifier, claire.temporarySecretCode);
    await page.getByRole('heading', { level: 1, name: 'Code Sécurité' }).waitFor();
    await page.getByLabel('Par SMS').check();
    await page.getByRole('button', { name: 'Recevoir le Code Sécurité' }).click();
    await page.getByLabel('Code Sécurité (8 chiffres)').waitFor();

    const securityCode = await readCodeInOutbox(claireWeb.context, 'security_code');
    expect(securityCode, 'the outbox shows the SMS sent to Claire’s Security Phone').toBe(await server.latestCode('security_code', claire.securityPhone));
    await page.getByLabel('Code Sécurité (8 chiffres)').fill(securityCode);
    await page.getByRole('button', { name: 'Valider', exact: true }).click();

    await page.getByRole('heading', { level: 1, name: 'Modification de votre Code Secret' }).waitFor();
    await page.getByLabel('Code Secret de 1re connexion').fill(claire.temporarySecretCode);
    await page.getByLabel('Nouveau Code Secret', { exact: true }).fill(claire.secretCode);
    await page.getByLabel('Confirmez le nouveau Code Secret').fill(claire.secretCode);
    await page.getByRole('button', { name: 'Modifier mon Code Secret' }).click();

    await page.getByRole('heading', { level: 1, name: 'Installer Secure Access' }).waitFor();
    await page.getByRole('heading', { level: 3, name: 'Secure Access pour PC/Mac' }).waitFor();
    await page.getByRole('status').filter({ hasText: 'En attente de l’activation d’un appareil…' }).waitFor();
    await storyShot(browser, '01-first-connection-install', [{ title: 'Espace Client — Claire Durand', page }]);
  }, STEP_TIMEOUT_MS);

  it('2. in Secure Access she names the device, receives the activation code by SMS and types it: active; the portal moves on by itself', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    const portal = claireAt();
    // Marks this very document: if the portal reloaded, the mark would be gone.
    await portal.evaluate(() => Object.assign(window, { storyMark: 'no reload' }));
    const app = await pcTresorerie.open();

    await startFromWelcome(app, server.baseUrl);
    await signIn(app, claire);
    await nameDevice(app, 'PC trésorerie');
    await askCodeOnSecurityPhone(app, 'sms');
    const activationCode = await readCodeInOutbox(claireWeb.context, 'activation_code');
    expect(activationCode).toBe(await server.latestCode('activation_code', claire.securityPhone));
    await typeActivationCode(app, activationCode);
    await chooseApprovalCode(app, claire.approvalCode);
    await heading(app, 'Secure Access est actif');
    await app.getByText('Vous pouvez encore l’activer sur 4 appareils (1 sur 5 utilisés).').waitFor();

    // The portal session was opened before any device was active: it passes Secure Access too, asked at once.
    await portal.getByRole('heading', { level: 1, name: 'Validez sur Secure Access' }).waitFor();
    const shown = Number(await textOf(portal.getByTestId('match-number')));
    expect(await portal.evaluate(() => (window as unknown as { storyMark?: string }).storyMark), 'the portal followed without a reload').toBe('no reload');
    await storyShot(browser, '02-device-active-portal-follows', [{ title: 'Espace Client', page: portal }, { title: 'Secure Access — PC trésorerie', page: app }]);

    await app.getByRole('button', { name: 'Terminer' }).click();
    await approveLoginInApp(pcTresorerie, shown, undefined, claire.approvalCode);
    await portal.getByRole('heading', { level: 1, name: 'Bonjour Claire Durand' }).waitFor();
    expect(await pcTresorerie.keysInKeychain(), 'the key is in the OS keychain').toEqual([await accountIdOf(pcTresorerie, claire.identifier)]);
  }, STEP_TIMEOUT_MS);

  it('3. she logs out and in again: the portal shows a number, the app the login request; she picks that number and the portal opens', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    const portal = claireAt();
    const { page: app } = pcTresorerie;
    await portal.getByRole('button', { name: 'Se déconnecter' }).click();
    await portal.getByRole('heading', { level: 1, name: 'Connexion à votre Espace Client' }).waitFor();

    await fillLogin(portal, claire.identifier, claire.secretCode);
    await portal.getByRole('heading', { level: 1, name: 'Validez sur Secure Access' }).waitFor();
    const shown = Number(await textOf(portal.getByTestId('match-number')));

    await inboxItem(app, 'Connexion').click();
    await heading(app, 'Demande de connexion');
    const choices = app.getByRole('group', { name: 'Sélectionnez le nombre affiché dans votre Espace Client' }).getByRole('radio');
    const offered = await choices.evaluateAll((inputs) => inputs.map((input) => Number((input as HTMLInputElement).value)));
    expect(offered).toHaveLength(3);
    expect(offered).toContain(shown);
    await storyShot(browser, '03-login-number-matching', [{ title: 'Espace Client', page: portal }, { title: 'Secure Access — PC trésorerie', page: app }]);

    await app.getByRole('radio', { name: String(shown), exact: true }).check();
    await app.getByRole('button', { name: 'Valider la connexion' }).click();
    await confirmWithApprovalCode(app, claire.approvalCode);
    await heading(app, 'Connexion validée');
    await portal.getByRole('heading', { level: 1, name: 'Bonjour Claire Durand' }).waitFor();
    await app.getByRole('button', { name: 'Retour aux validations' }).click();
    await heading(app, 'Validations en attente');
  }, STEP_TIMEOUT_MS);

  it('4. a second device: its code is in Administration › Gestion de la sécurité › Activation at once, and activates the second installation', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    portableClaire = await startRendererHarness({ server });
    const app = await portableClaire.open();
    await startFromWelcome(app, server.baseUrl);
    await signIn(app, claire);
    await nameDevice(app, 'Portable de Claire');
    await askCodeInAdministration(app);

    const portal = claireAt();
    await openActivationPage(portal);
    const row = portal.locator('tr[data-enrolment-id]', { hasText: 'Portable de Claire' });
    expect(await textOf(row)).toContain('Non utilisé');
    const code = (await textOf(row.getByTestId('activation-code'))).replace(/\s/g, '');
    expect(code).toMatch(/^[A-Z2-9]{12}$/);
    await storyShot(browser, '04-second-device-code-in-administration', [{ title: 'Espace Client — Activation', page: portal }, { title: 'Secure Access — Portable de Claire', page: app }]);

    await typeActivationCode(app, code);
    await chooseApprovalCode(app, claire.approvalCode);
    await heading(app, 'Secure Access est actif');
    await app.getByText('Vous pouvez encore l’activer sur 3 appareils (2 sur 5 utilisés).').waitFor();
    await app.getByRole('button', { name: 'Terminer' }).click();
    await heading(app, 'Validations en attente');
  }, STEP_TIMEOUT_MS);

  it('5. a secondary user: created, first login, activation requested from the app, code generated by the administrator; a code works once and 24 hours', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    const portal = claireAt();

    // Administration › Utilisateurs: the identifier and the temporary Secret Code are shown once.
    await openPortalPage(portal, 'Utilisateurs');
    await portal.getByLabel('Nom et prénom').fill(marc.displayName);
    await portal.getByLabel('Utilisateur', { exact: true }).check();
    await portal.getByRole('button', { name: 'Créer l’utilisateur' }).click();
    await portal.getByRole('heading', { level: 2, name: 'Utilisateur créé' }).waitFor();
    marc.identifier = await textOf(portal.getByTestId('created-identifier'));
    marc.temporarySecretCode = await textOf(portal.getByTestId('created-secret'));
    await storyShot(browser, '05a-secondary-user-created', [{ title: 'Espace Client — Utilisateurs', page: portal }]);
    await portal.getByRole('button', { name: 'J’ai transmis ces informations' }).click();
    await portal.locator(`tr[data-user="${marc.identifier}"]`).waitFor();
    expect(await portal.content(), 'the temporary Secret Code is never shown again').not.toContain(marc.temporarySecretCode);

    // Marc, in his own browser: first login, new Secret Code, then the installation step.
    marcWeb = await openPortal(browser, server);
    await fillLogin(marcAt(), marc.identifier, marc.temporarySecretCode);
    await marcAt().getByRole('heading', { level: 1, name: 'Modification de votre Code Secret' }).waitFor();
    await marcAt().getByLabel('Code Secret de 1re connexion').fill(marc.temporarySecretCode);
    await marcAt().getByLabel('Nouveau Code Secret', { exact: true }).fill(marc.secretCode);
    await marcAt().getByLabel('Confirmez le nouveau Code Secret').fill(marc.secretCode);
    await marcAt().getByRole('button', { name: 'Modifier mon Code Secret' }).click();
    await marcAt().getByRole('heading', { level: 1, name: 'Installer Secure Access' }).waitFor();

    // His app asks for a code; the request goes to his administrator.
    pcMarc = await startRendererHarness({ server });
    const app = await pcMarc.open();
    await startFromWelcome(app, server.baseUrl);
    await signIn(app, marc);
    await nameDevice(app, 'PC comptabilité – Marc');
    await askCodeOfAdministrator(app);

    // Claire finds it in Gestion de la sécurité › Activation and generates the code (24 h).
    await openActivationPage(portal);
    const row = portal.locator('tr[data-enrolment-id]', { hasText: 'PC comptabilité – Marc' });
    expect(await textOf(row)).toContain('Non généré');
    const enrolmentId = await row.getAttribute('data-enrolment-id');
    await row.getByRole('button', { name: 'Générer le code : appareil « PC comptabilité – Marc » de Marc Petit' }).click();
    await portal.getByText('Code généré pour « PC comptabilité – Marc ».').waitFor();
    expect(await textOf(row)).toMatch(/Utilisable 24 h, jusqu’au /);
    const marcCode = (await textOf(row.getByTestId('activation-code'))).replace(/\s/g, '');

    // Marc's app notices by itself; he types the code Claire gives him; his portal moves on by itself.
    await heading(app, 'Saisissez votre code d’activation');
    await app.getByRole('timer').filter({ hasText: /^Code valable encore 2[34]\sh\s\d\d\smin$/ }).waitFor();
    await storyShot(browser, '05b-administrator-generates-code', [{ title: 'Espace Client de Claire — Activation', page: portal }, { title: 'Secure Access — PC de Marc', page: app }]);
    await typeActivationCode(app, marcCode);
    await chooseApprovalCode(app, marc.approvalCode);
    await heading(app, 'Secure Access est actif');
    // His portal session, opened before the activation, passes Secure Access: he approves it with its number and his
    // approval code.
    await marcAt().getByRole('heading', { level: 1, name: 'Validez sur Secure Access' }).waitFor();
    const marcNumber = Number(await textOf(marcAt().getByTestId('match-number')));
    await app.getByRole('button', { name: 'Terminer' }).click();
    await approveLoginInApp(pcMarc, marcNumber, undefined, marc.approvalCode);
    await marcAt().getByRole('heading', { level: 1, name: 'Bonjour Marc Petit' }).waitFor();

    // Valid once: sent again by the same installation, the code is used; typed on another installation, it is not its code.
    expect(await replayActivation(pcMarc, await accountIdOf(pcMarc, marc.identifier), enrolmentId ?? '', marcCode)).toBe('activation_code_used');
    portableMarc = await startRendererHarness({ server });
    const other = await portableMarc.open();
    await startFromWelcome(other, server.baseUrl);
    await signIn(other, marc);
    await nameDevice(other, 'Portable de Marc');
    await askCodeOfAdministrator(other);
    await openActivationPage(portal);
    const otherRow = portal.locator('tr[data-enrolment-id]', { hasText: 'Portable de Marc' });
    await otherRow.getByRole('button', { name: 'Générer le code : appareil « Portable de Marc » de Marc Petit' }).click();
    await portal.getByText('Code généré pour « Portable de Marc ».').waitFor();
    const freshCode = (await textOf(otherRow.getByTestId('activation-code'))).replace(/\s/g, '');
    await heading(other, 'Saisissez votre code d’activation');
    await typeActivationCode(other, marcCode);
    await other.getByRole('alert').filter({ hasText: 'Code d’activation incorrect. Vérifiez-le et saisissez-le de nouveau. Il vous reste 4 essais.' }).waitFor();

    // Valid 24 hours: the fresh code, typed a day and a minute after Claire generated it, is refused.
    await other.getByLabel('Code d’activation (12 caractères)').fill(freshCode);
    await advanceTime(server, apps(), 24 * HOUR + MINUTE);
    await other.getByText('Ce code a expiré.').waitFor();
    await other.getByRole('button', { name: 'Activer Secure Access' }).click();
    await other.getByRole('alert').filter({ hasText: 'Ce code d’activation a expiré. Demandez-en un nouveau.' }).waitFor();
    await storyShot(browser, '05c-code-expired-after-24-hours', [{ title: 'Secure Access — Portable de Marc, 24 h plus tard', page: other }]);
  }, STEP_TIMEOUT_MS);

  it('6. a shared computer: the next day Marc activates his own account on Claire’s computer as well; each account receives only its own validations', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    // A day went by: the portal sessions ended overnight. Both open the Espace Client again and log in, each
    // approving on their own device.
    for (const { web, app, person } of [{ web: claireWeb, app: portableClaire, person: claire }, { web: marcWeb, app: pcMarc, person: marc }]) {
      await web.page.goto('/');
      await web.page.getByRole('heading', { level: 1, name: 'Connexion à votre Espace Client' }).waitFor();
      await signInWithSecureAccess(web, app, person);
    }

    // Yesterday's unused code shows as expired in Administration; Marc gives up that request.
    await openActivationPage(claireAt());
    expect(await textOf(claireAt().locator('tr[data-enrolment-id]', { hasText: 'Portable de Marc' }))).toContain('Expiré');
    await portableMarc?.close();
    portableMarc = undefined;

    // On the shared computer: Utilisateurs › Ajouter un utilisateur, Marc signs in and asks for a code; Claire generates it.
    const { page: shared } = pcTresorerie;
    await shared.getByRole('navigation', { name: 'Navigation principale' }).getByRole('button', { name: 'Utilisateurs' }).click();
    await shared.getByRole('button', { name: 'Ajouter un utilisateur' }).click();
    await heading(shared, 'Ajouter un utilisateur sur cet ordinateur');
    await startFromWelcome(shared, server.baseUrl);
    await signIn(shared, marc);
    await nameDevice(shared, 'PC trésorerie');
    await askCodeOfAdministrator(shared);
    await openActivationPage(claireAt());
    const row = claireAt().locator('tr[data-enrolment-id]', { hasText: 'Marc Petit' }).filter({ hasText: 'PC trésorerie' });
    await row.getByRole('button', { name: 'Générer le code : appareil « PC trésorerie » de Marc Petit' }).click();
    await claireAt().getByText('Code généré pour « PC trésorerie ».').waitFor();
    const code = (await textOf(row.getByTestId('activation-code'))).replace(/\s/g, '');
    await heading(shared, 'Saisissez votre code d’activation');
    await typeActivationCode(shared, code);
    await chooseApprovalCode(shared, marc.approvalCode);
    await heading(shared, 'Secure Access est actif');
    await shared.getByRole('button', { name: 'Terminer' }).click();

    await shared.getByRole('navigation', { name: 'Navigation principale' }).getByRole('button', { name: 'Utilisateurs' }).click();
    await heading(shared, 'Utilisateurs de cet ordinateur');
    const cards = shared.getByRole('article');
    for (const person of [claire, marc]) await cards.filter({ hasText: person.displayName }).getByText('Actif', { exact: true }).waitFor();
    expect(await cards.count()).toBe(2);
    const claireAccount = await accountIdOf(pcTresorerie, claire.identifier);
    const marcAccount = await accountIdOf(pcTresorerie, marc.identifier);
    expect((await pcTresorerie.keysInKeychain()).sort(), 'one key per account in the keychain').toEqual([claireAccount, marcAccount].sort());

    // Each enters a transfer in their own Espace Client.
    await enterTransfer(claireAt(), { amount: '1 500', payee: 'Transports Bernard', iban: 'FR76 1010 7001 0112 3456 7890 129', reference: 'Transport T4' });
    await enterTransfer(marcAt(), { amount: '640', payee: 'Papeterie Centrale', iban: 'FR14 2004 1010 0505 0001 3M02 606', reference: 'Fournitures' });

    // The shared computer shows both, each under the name of its person; each person's other device only their own.
    await showInbox(pcTresorerie);
    await inboxItem(shared, 'Transports Bernard', `${claire.displayName} · ${COMPANY}`).waitFor();
    await inboxItem(shared, 'Papeterie Centrale', `${marc.displayName} · ${COMPANY}`).waitFor();
    await inboxItem(portableClaire.page, 'Transports Bernard').waitFor();
    await inboxItem(pcMarc.page, 'Papeterie Centrale').waitFor();
    const pendingPayees = async (app: RendererHarness) => (await app.core.handlers.getSnapshot(undefined)).pending
      .map((validation) => [validation.accountId, validation.details.type === 'transfer' ? validation.details.payeeName : validation.kind]).sort();
    expect(await pendingPayees(pcTresorerie)).toEqual([[claireAccount, 'Transports Bernard'], [marcAccount, 'Papeterie Centrale']].sort());
    expect(await pendingPayees(portableClaire)).toEqual([[await accountIdOf(portableClaire, claire.identifier), 'Transports Bernard']]);
    expect(await pendingPayees(pcMarc)).toEqual([[await accountIdOf(pcMarc, marc.identifier), 'Papeterie Centrale']]);
    expect(await shared.getByRole('list', { name: /^Demandes à valider de / }).getByRole('button').count()).toBe(2);
    await storyShot(browser, '06-shared-computer', [
      { title: 'PC trésorerie (partagé)', page: shared, viewport: WINDOW },
      { title: 'Portable de Claire', page: portableClaire.page, viewport: WINDOW },
      { title: 'PC de Marc', page: pcMarc.page, viewport: WINDOW },
    ]);

    // The second user of the shared computer cannot approve the first one's transfer: Marc, at Claire's request on
    // the computer they share, types his own approval code. The bank refuses it (one of Claire's 5 attempts); the
    // transfer stays pending, and is still Claire's to approve.
    await openTransferInApp(pcTresorerie, 'Transports Bernard', `${claire.displayName} · ${COMPANY}`);
    await shared.getByRole('button', { name: 'Valider le virement' }).click();
    await confirmWithApprovalCode(shared, marc.approvalCode);
    await shared.getByText('Code de validation incorrect. Il vous reste 4 essais.').first().waitFor();
    expect(await shared.getByLabel('Code de validation', { exact: true }).inputValue()).toBe('');
    await storyShot(browser, '06b-shared-computer-other-code-refused', [{ title: 'PC trésorerie (partagé) — la demande de Claire, le code de Marc', page: shared, viewport: WINDOW }]);
    const claireTransfer = await server.server.ctx.db.selectFrom('validations').select('status').where('details_json', 'like', '%Transports Bernard%').executeTakeFirstOrThrow();
    expect(claireTransfer.status).toBe('pending');
    await shared.getByRole('button', { name: 'Revenir au détail' }).click();
    await backToInbox(pcTresorerie);

    // Marc approves his on the shared computer, with his own code; Claire hers on her laptop.
    await decideTransferInApp(pcTresorerie, 'Papeterie Centrale', 'approve', `${marc.displayName} · ${COMPANY}`, marc.approvalCode);
    await portalStatus(marcAt(), 'Virement validé');
    expect(await textOf(marcAt().locator('.alert-success'))).toContain('Validé sur « PC trésorerie »');
    await decideTransferInApp(portableClaire, 'Transports Bernard', 'approve');
    await portalStatus(claireAt(), 'Virement validé');
    expect(await textOf(claireAt().locator('.alert-success'))).toContain('Validé sur « Portable de Claire »');
    // Decided elsewhere, they leave the other inboxes.
    for (const app of [pcTresorerie, pcMarc]) await app.page.getByRole('heading', { level: 2, name: 'Tout est en ordre' }).waitFor();
  }, STEP_TIMEOUT_MS);

  it('7. a transfer of 12 345,67 EUR approved in the app is booked (the balance goes down by as much); a second is rejected; a third expires after 5 minutes', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    const portal = claireAt();
    const { page: app } = pcTresorerie;
    const balances = async () => {
      await openPortalPage(portal, 'Accueil', 'Bonjour Claire Durand');
      const cards = portal.locator('.account');
      await cards.first().waitFor();
      const entries: Array<[string, number]> = [];
      for (const card of await cards.all()) entries.push([await textOf(card.locator('.account-name')), centsOf(await textOf(card.locator('.account-balance')))]);
      return new Map(entries);
    };
    const before = await balances();

    // Approved in the app: exactly what the portal asked is shown, then signed.
    await enterTransfer(portal, { amount: '12 345,67', payee: 'Fournitures Martin SA', iban: SUPPLIER_IBAN, reference: 'Facture 2026-118' });
    expect(await textOf(portal.locator('.details'))).toContain('12 345,67 €');
    await openTransferInApp(pcTresorerie, 'Fournitures Martin SA', `${claire.displayName} · ${COMPANY}`);
    expect((await textOf(app.locator('.amount-hero'))).replace(/\s/g, ' ')).toBe('12 345,67 € à Fournitures Martin SA');
    const facts = await textOf(app.locator('dl.facts'));
    expect(facts).toContain(SUPPLIER_IBAN);
    expect(facts).toContain('Facture 2026-118');
    expect(facts).toContain('Nom confirmé par la banque du bénéficiaire');
    expect(facts).toContain(`Saisi par ${claire.displayName}`);
    await storyShot(browser, '07a-transfer-to-approve', [{ title: 'Espace Client — Nouveau virement', page: portal }, { title: 'Secure Access — PC trésorerie', page: app }]);
    await decideOpenTransfer(pcTresorerie, 'Fournitures Martin SA', 'approve');
    await portalStatus(portal, 'Virement validé');
    expect(await textOf(portal.locator('.alert-success'))).toContain('Validé sur « PC trésorerie »');
    await storyShot(browser, '07b-transfer-approved', [{ title: 'Espace Client', page: portal }, { title: 'Secure Access', page: app }]);
    await backToInbox(pcTresorerie);

    const after = await balances();
    const debited = [...before].filter(([name, cents]) => after.get(name) !== cents);
    expect(debited, 'one account was debited').toHaveLength(1);
    const [debitedName, debitedBefore] = debited[0] ?? ['', 0];
    expect(debitedBefore - (after.get(debitedName) ?? 0), 'by 12 345,67 €').toBe(1_234_567);

    // A name that is not the holder's of the IBAN: the portal warns, the app says it first; rejected, not executed.
    await enterTransfer(portal, { amount: '980', payee: 'Société Inconnue', iban: SUPPLIER_IBAN, reference: '', keepMismatchedName: true });
    await openTransferInApp(pcTresorerie, 'Société Inconnue');
    await app.locator('.alert-error').filter({ hasText: 'Le nom ne correspond pas au titulaire du compte' }).waitFor();
    await decideOpenTransfer(pcTresorerie, 'Société Inconnue', 'reject');
    await portalStatus(portal, 'Opération refusée sur Secure Access');
    expect(await textOf(portal.locator('.alert-error'))).toContain('Elle ne sera pas exécutée.');
    await storyShot(browser, '07c-transfer-rejected', [{ title: 'Espace Client', page: portal }, { title: 'Secure Access', page: app }]);
    await backToInbox(pcTresorerie);

    // Left open in the app without an answer: 5 minutes later it has expired, in the app and in the portal.
    await enterTransfer(portal, { amount: '3 200', payee: 'Imprimerie Roux', iban: 'FR76 3000 4000 0312 3456 7890 143', reference: 'Devis 88' });
    await openTransferInApp(pcTresorerie, 'Imprimerie Roux');
    await app.getByRole('button', { name: 'Valider le virement' }).waitFor();
    await advanceTime(server, apps(), 5 * MINUTE + 1_000);
    await app.getByRole('alert').filter({ hasText: 'Cette demande a expiré' }).waitFor();
    expect(await app.getByRole('button', { name: 'Valider le virement' }).count()).toBe(0);
    await portalStatus(portal, 'Délai de validation dépassé');
    await storyShot(browser, '07d-transfer-expired', [{ title: 'Espace Client', page: portal }, { title: 'Secure Access', page: app }]);
    await backToInbox(pcTresorerie);

    // The home page: each operation with its status; only the approved transfer moved money.
    expect(await balances()).toEqual(after);
    const status = async (payee: string) => textOf(portal.locator('tbody tr', { hasText: payee }).locator('.badge'));
    expect(await textOf(portal.locator('tbody tr', { hasText: 'Fournitures Martin SA' }))).toContain('12 345,67 € à Fournitures Martin SA');
    expect([await status('Fournitures Martin SA'), await status('Société Inconnue'), await status('Imprimerie Roux'), await status('Papeterie Centrale')])
      .toEqual(['Validé', 'Refusé', 'Expiré', 'Validé']);
    await storyShot(browser, '07e-home-operations', [{ title: 'Espace Client — Accueil', page: portal }]);
  }, STEP_TIMEOUT_MS);

  it('8. the administrator deactivates Marc’s device on the shared computer: there his account shows as deactivated and its key is gone; Claire’s stays', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    const portal = claireAt();
    await openPortalPage(portal, 'Appareils');
    const marcSection = portal.locator(`section[data-user="${marc.identifier}"]`);
    expect(await textOf(marcSection.locator('.device-count'))).toBe('2 / 5 appareils actifs');
    await marcSection.getByRole('button', { name: 'Désactiver l’appareil « PC trésorerie »' }).click();
    const dialog = portal.getByRole('dialog', { name: 'Désactiver cet appareil ?' });
    expect(await textOf(dialog)).toContain('L’appareil « PC trésorerie » de Marc Petit ne pourra plus valider');
    await dialog.getByRole('button', { name: 'Désactiver l’appareil' }).click();
    await portal.getByText('L’appareil « PC trésorerie » est désactivé.').waitFor();
    await marcSection.locator('.device-count', { hasText: '1 / 5 appareils actifs' }).waitFor();

    const { page: shared } = pcTresorerie;
    await shared.getByRole('navigation', { name: 'Navigation principale' }).getByRole('button', { name: 'Utilisateurs' }).click();
    await heading(shared, 'Utilisateurs de cet ordinateur');
    const cards = shared.getByRole('article');
    await cards.filter({ hasText: marc.displayName }).getByText('Désactivé', { exact: true }).waitFor();
    await cards.filter({ hasText: claire.displayName }).getByText('Actif', { exact: true }).waitFor();
    await storyShot(browser, '08-device-revoked', [{ title: 'Espace Client — Appareils', page: portal }, { title: 'Secure Access — PC trésorerie', page: shared }]);

    // Straight from the OS keychain: Marc's entry is gone, Claire's is still there.
    const marcAccount = await accountIdOf(pcTresorerie, marc.identifier);
    const claireAccount = await accountIdOf(pcTresorerie, claire.identifier);
    expect(await osKeychainEntry(pcTresorerie.vault.service, marcAccount), 'the revoked account’s key').toBeNull();
    expect(await osKeychainEntry(pcTresorerie.vault.service, claireAccount) !== null, 'the other account’s key').toBe(true);
    expect(await pcTresorerie.keysInKeychain()).toEqual([claireAccount]);
    // Marc's own computer is untouched.
    expect((await pcMarc.core.handlers.getSnapshot(undefined)).accounts.map((account) => account.status)).toEqual(['active']);
  }, STEP_TIMEOUT_MS);

  it('9. a user with five active devices cannot activate a sixth: the sixth installation says so', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    const portal = claireAt();
    // Claire has two installations; three more devices (phones and tablets, over the API) with codes read in Administration.
    for (const deviceName of ['Tablette de Claire', 'Téléphone de Claire', 'PC domicile de Claire']) {
      const { device, enrolment } = await enrolDevice(server, claire.identifier, claire.secretCode, deviceName);
      await device.call('requestActivationCode', { params: { id: enrolment.id }, body: {} }, enrolment.id);
      await openActivationPage(portal);
      await activateWithCode(device, enrolment.id, await textOf(portal.locator(`tr[data-enrolment-id="${enrolment.id}"]`).getByTestId('activation-code')));
    }
    await openPortalPage(portal, 'Appareils');
    expect(await textOf(portal.locator(`section[data-user="${claire.identifier}"] .device-count`))).toBe('5 / 5 appareils actifs Limite atteinte');

    sixth = await startRendererHarness({ server });
    const app = await sixth.open();
    await startFromWelcome(app, server.baseUrl);
    await signIn(app, claire);
    await app.getByRole('alert').filter({
      hasText: 'Secure Access est déjà activé sur 5 appareils, le maximum (5). Désactivez un appareil depuis votre Espace Client, puis recommencez.',
    }).waitFor();
    await storyShot(browser, '09-sixth-device-refused', [{ title: 'Espace Client — Appareils', page: portal }, { title: 'Secure Access — sixième appareil', page: app }]);
    expect((await sixth.core.handlers.getSnapshot(undefined)).accounts).toEqual([]);
    expect(await sixth.keysInKeychain()).toEqual([]);

    // Nothing went wrong in any window along the way, and every app kept the bank's time (they share its clock).
    for (const app of apps()) expect(app.pageProblems).toEqual([]);
    for (const app of [pcTresorerie, portableClaire, pcMarc, sixth]) {
      const offsets = app.logs.filter((line) => line.message === 'server clock offset updated').map((line) => line.fields?.offsetMs);
      expect(offsets.filter((offset) => Math.abs(Number(offset)) >= 10_000), 'a server clock the app believed 10 s or more off').toEqual([]);
    }
    expect([...claireWeb.problems, ...marcWeb.problems]).toEqual([]);
  }, STEP_TIMEOUT_MS);

  it('10. the bank’s log: one JSON line per request, saying which user and device made it, and none of the secrets that went through the story', async ({ skip }) => {
    skip(storyBroken, 'an earlier step failed');
    const text = storyLog.text();
    const lines = storyLog.entries();
    const requests = lines.filter((line) => line.msg === 'request');
    expect(requests.length).toBeGreaterThan(200);
    const decisions = requests.filter((line) => line.route === '/api/authenticator/v1/validations/:id/decision');
    expect(decisions.length).toBeGreaterThanOrEqual(5);
    for (const line of decisions) expect(line).toMatchObject({ reqId: expect.any(String), status: expect.any(Number), durationMs: expect.any(Number), userId: expect.stringMatching(/^usr_/), deviceId: expect.stringMatching(/^dev_/) });

    const cookies = [...await claireWeb.context.cookies(), ...(marcWeb ? await marcWeb.context.cookies() : [])].map((cookie) => cookie.value);
    const secrets = [
      claire.temporarySecretCode, claire.secretCode, marc.temporarySecretCode, marc.secretCode, OPS_TOKEN, ...cookies, ...await secretsInDatabase(server.server.ctx.db),
    ];
    expect(secrets.length).toBeGreaterThan(20);
    expect(leakedSecrets(text, secrets)).toEqual([]);
    // Device tokens, request signatures and the headers that carry them never appear, whatever their value.
    expect(text).not.toMatch(/sat1\.|authorization|cookie|x-sa-signature|x-csrf-token/i);
    // The check is real: a line with one of those secrets in it would be found.
    expect(leakedSecrets(`${text}{"msg":"oops ${claire.secretCode}"}`, secrets)).toEqual([claire.secretCode]);
  }, STEP_TIMEOUT_MS);
});
