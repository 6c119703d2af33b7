import { beforeEach, describe, expect, it } from 'vitest';
import { createValidationNotifier, MAX_INDIVIDUAL_NOTIFICATIONS } from '../../../main/shell/notifications';
import type { Language, NavigationTarget } from '../../../preload/contract';
import { createFakeElectron, type FakeElectron } from '../../harness/fake-electron';
import { beneficiary, login, transfer } from './fixtures';

const silent = { info() {}, warn() {}, error() {} };

describe('a notification for a new validation', () => {
  let fake: FakeElectron;
  let opened: NavigationTarget[];
  let preferences: { language: Language; notifications: boolean };

  const notifier = () => createValidationNotifier({ Notification: fake.electron.Notification, preferences: () => preferences, open: (target) => void opened.push(target), logger: silent });

  beforeEach(() => {
    fake = createFakeElectron();
    opened = [];
    preferences = { language: 'fr', notifications: true };
  });

  it('names the account, the type, the amount and the payee of a transfer', () => {
    notifier().update([transfer('val_transfer0001')]);
    expect(fake.notifications).toHaveLength(1);
    const [shown] = fake.notifications;
    expect(shown?.shown).toBe(true);
    expect(shown?.options.title).toBe('Virement à valider');
    expect(shown?.options.body).toBe('1\u202f250,00\u00a0€ à \u2068Fournisseur SA\u2069\nFR76 •••• 0189 · \u2068amartin · Durand Industrie\u2069');
  });

  it('isolates a right-to-left payee name, so that it cannot move the amount or the IBAN around it', () => {
    // Without the isolate, an Arabic name followed by a number is laid out as one right-to-left run: "0189 · ..." would
    // read as part of the name, and the amount could appear after it.
    notifier().update([transfer('val_transfer0001', { payeeName: 'شركة النور 2026' })]);
    expect(fake.notifications[0]?.options.body).toBe('1\u202f250,00\u00a0€ à \u2068شركة النور 2026\u2069\nFR76 •••• 0189 · \u2068amartin · Durand Industrie\u2069');
  });

  it('never offers to approve from the notification: no action button, no reply', () => {
    notifier().update([transfer('val_transfer0001'), login('val_login000001'), beneficiary('val_benef000001')]);
    for (const shown of fake.notifications) {
      expect(shown.options.actions ?? []).toEqual([]);
      expect(shown.options.hasReply).toBe(false);
      expect(`${shown.options.title} ${shown.options.body}`).not.toMatch(/valider maintenant|approuver|approve/i);
    }
  });

  it('for a sign-in, names the account and never shows the numbers to choose from', () => {
    notifier().update([login('val_login000001')]);
    const [shown] = fake.notifications;
    expect(shown?.options.title).toBe('Connexion à votre Espace Client à valider');
    expect(shown?.options.body).toContain('amartin · Durand Industrie');
    for (const number of [17, 42, 86]) expect(shown?.options.body).not.toContain(String(number));
  });

  it('opens the approval window on that validation when clicked', () => {
    notifier().update([transfer('val_transfer0001')]);
    fake.notifications[0]?.click();
    expect(opened).toEqual([{ screen: 'validation', accountId: 'acc_amartin0001', validationId: 'val_transfer0001' }]);
  });

  it('appears once per validation, and is withdrawn when the validation is no longer pending', () => {
    const notifications = notifier();
    notifications.update([transfer('val_transfer0001')]);
    notifications.update([transfer('val_transfer0001')]);
    notifications.update([transfer('val_transfer0001'), transfer('val_transfer0002')]);
    expect(fake.notifications.map((shown) => shown.options.title)).toEqual(['Virement à valider', 'Virement à valider']);
    notifications.update([transfer('val_transfer0002')]);
    expect(fake.notifications.map((shown) => shown.closed)).toEqual([true, false]);
  });

  it('is not shown when the person turned notifications off', () => {
    preferences = { language: 'fr', notifications: false };
    const notifications = notifier();
    notifications.update([transfer('val_transfer0001')]);
    preferences = { language: 'fr', notifications: true };
    // Turned back on, only validations that arrive afterwards notify.
    notifications.update([transfer('val_transfer0001'), transfer('val_transfer0002')]);
    expect(fake.notifications).toHaveLength(1);
    expect(fake.notifications[0]?.options.body).toContain('Fournisseur SA');
  });

  it('gives one summary when many arrive at once (e.g. back online after a night)', () => {
    const many = Array.from({ length: MAX_INDIVIDUAL_NOTIFICATIONS + 2 }, (_, index) => transfer(`val_transfer${String(index).padStart(4, '0')}`));
    notifier().update(many);
    expect(fake.notifications).toHaveLength(1);
    expect(fake.notifications[0]?.options.title).toBe('5\u00a0validations en attente');
    fake.notifications[0]?.click();
    expect(opened).toEqual([{ screen: 'inbox' }]);
  });

  it('speaks English when the person chose it', () => {
    preferences = { language: 'en', notifications: true };
    notifier().update([beneficiary('val_benef000001')]);
    expect(fake.notifications[0]?.options).toMatchObject({ title: 'New payee to approve', body: '\u2068Atelier Moreau\u2069 · FR76 •••• 0189\n\u2068amartin · Durand Industrie\u2069' });
  });
});
