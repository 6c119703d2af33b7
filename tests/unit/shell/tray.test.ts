import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { badgeText, trayIconPng, trayTemplatePng } from '../../../main/shell/icons';
import { createTray, MAX_MENU_VALIDATIONS, trayView, type TrayActions, type TrayState } from '../../../main/shell/tray';
import type { NavigationTarget } from '../../../preload/contract';
import { createFakeElectron, type FakeNativeImage } from '../../harness/fake-electron';
import { account, connectivity, login, readPng, transfer } from './fixtures';

function recordingActions() {
  const opened: NavigationTarget[] = [];
  let checks = 0;
  let quits = 0;
  const actions: TrayActions = { open: (target) => void opened.push(target), checkNow: () => void (checks += 1), quit: () => void (quits += 1) };
  return { actions, opened, checks: () => checks, quits: () => quits };
}

const state = (overrides: Partial<TrayState> = {}): TrayState => ({
  pending: [], accounts: [account('acc_amartin0001')], connectivity: connectivity('online'), language: 'fr', ...overrides,
});

const item = (menu: MenuItemConstructorOptions[], id: string) => menu.find((entry) => entry.id === id);
const click = (entry: MenuItemConstructorOptions | undefined) => (entry?.click as (() => void) | undefined)?.();

describe('the tray menu', () => {
  it('says there is nothing to validate, and that the app is connected', () => {
    const view = trayView(state(), recordingActions().actions);
    expect(view.title).toBe('');
    expect(view.tooltip).toBe('Secure Access — Aucune validation en attente — Connecté');
    expect(view.icon).toEqual({ pendingCount: 0, connected: true });
    expect(item(view.menu, 'status')?.label).toBe('Secure Access — Connecté');
    expect(item(view.menu, 'pending-none')).toMatchObject({ label: 'Aucune validation en attente', enabled: false });
  });

  it('counts the pending validations in the title, tooltip and icon, and lists them with amount and payee', () => {
    const { actions, opened } = recordingActions();
    const view = trayView(state({ pending: [transfer('val_transfer0001'), login('val_login000001')] }), actions);
    expect(view.title).toBe('2');
    expect(view.tooltip).toBe('Secure Access — 2\u00a0validations en attente — Connecté');
    expect(view.icon).toEqual({ pendingCount: 2, connected: true });
    expect(item(view.menu, 'pending-header')?.label).toBe('Validations en attente (2)');
    expect(item(view.menu, 'pending:acc_amartin0001/val_transfer0001')?.label).toBe('Virement · 1\u202f250,00\u00a0€ · \u2068Fournisseur SA\u2069');
    expect(item(view.menu, 'pending:acc_amartin0001/val_login000001')?.label).toBe('Connexion · \u2068amartin · Durand Industrie\u2069');
    click(item(view.menu, 'pending:acc_amartin0001/val_transfer0001'));
    expect(opened).toEqual([{ screen: 'validation', accountId: 'acc_amartin0001', validationId: 'val_transfer0001' }]);
  });

  it('names the account of each operation when several accounts share the computer', () => {
    const view = trayView(state({
      pending: [transfer('val_transfer0001'), transfer('val_transfer0002', { accountId: 'acc_bdupont0001', accountLabel: 'bdupont · Durand Industrie', amount: '80' })],
    }), recordingActions().actions);
    expect(item(view.menu, 'pending:acc_bdupont0001/val_transfer0002')?.label).toBe('Virement · 80,00\u00a0€ · \u2068Fournisseur SA\u2069 — \u2068bdupont · Durand Industrie\u2069');
  });

  it('lists at most eight validations and opens the list for the rest', () => {
    const { actions, opened } = recordingActions();
    const pending = Array.from({ length: 11 }, (_, index) => transfer(`val_transfer${String(index).padStart(4, '0')}`));
    const view = trayView(state({ pending }), actions);
    expect(view.menu.filter((entry) => entry.id?.startsWith('pending:'))).toHaveLength(MAX_MENU_VALIDATIONS);
    expect(item(view.menu, 'pending-more')?.label).toBe('… et 3\u00a0autres');
    click(item(view.menu, 'pending-more'));
    expect(opened).toEqual([{ screen: 'inbox' }]);
  });

  it('shows when the app is offline or the server fails', () => {
    const offline = trayView(state({ connectivity: connectivity('offline') }), recordingActions().actions);
    expect(offline.icon.connected).toBe(false);
    expect(offline.tooltip).toBe('Secure Access — Aucune validation en attente — Hors connexion');
    expect(trayView(state({ connectivity: connectivity('server_error') }), recordingActions().actions).tooltip).toContain('Serveur indisponible');
    expect(trayView(state({ accounts: [], connectivity: connectivity('idle') }), recordingActions().actions).tooltip).toContain('Aucun utilisateur actif');
  });

  it('opens the app, lists the accounts, checks now and quits', () => {
    const { actions, opened, checks, quits } = recordingActions();
    const view = trayView(state({ accounts: [account('acc_amartin0001'), account('acc_bdupont0001', 'activating')] }), actions);
    click(item(view.menu, 'open'));
    const accounts = item(view.menu, 'accounts')?.submenu as MenuItemConstructorOptions[];
    expect(accounts.map((entry) => entry.label)).toEqual([
      '\u2068Alice Martin\u2069 · \u2068Durand Industrie\u2069 (actif)', '\u2068Alice Martin\u2069 · \u2068Durand Industrie\u2069 (activation en cours)', undefined, 'Ajouter un utilisateur…',
    ]);
    click(accounts[0]);
    click(item(view.menu, 'check-now'));
    click(item(view.menu, 'quit'));
    expect(opened).toEqual([{ screen: 'inbox' }, { screen: 'accounts' }]);
    expect([checks(), quits()]).toEqual([1, 1]);
    expect(view.menu.at(-1)).toMatchObject({ id: 'quit', label: 'Quitter Secure Access' });
  });

  it('cannot check now without an active account', () => {
    expect(item(trayView(state({ accounts: [account('acc_x000000001', 'activating')] }), recordingActions().actions).menu, 'check-now')?.enabled).toBe(false);
  });

  it('speaks English when the person chose it', () => {
    const view = trayView(state({ language: 'en', pending: [transfer('val_transfer0001')] }), recordingActions().actions);
    expect(view.tooltip).toBe('Secure Access — 1 pending approval — Connected');
    expect(item(view.menu, 'pending:acc_amartin0001/val_transfer0001')?.label).toBe('Transfer · €1,250.00 · \u2068Fournisseur SA\u2069');
    expect(item(view.menu, 'quit')?.label).toBe('Quit Secure Access');
  });
});

describe('the tray icon', () => {
  const isRed = ([r, g, b, a]: number[]) => (a ?? 0) > 200 && (r ?? 0) > 180 && (g ?? 0) < 90 && (b ?? 0) < 90;
  const isBlue = ([r, _g, b, a]: number[]) => (a ?? 0) > 200 && (b ?? 0) > 180 && (r ?? 0) < 80;
  const isGrey = ([r, _g, b, a]: number[]) => (a ?? 0) > 200 && Math.abs((r ?? 0) - (b ?? 0)) < 30 && (r ?? 0) > 80 && (r ?? 0) < 150;

  it('carries a red badge with the count only when validations are pending', () => {
    const none = readPng(trayIconPng({ pendingCount: 0, connected: true }, 32));
    const three = readPng(trayIconPng({ pendingCount: 3, connected: true }, 32));
    expect(none.size).toBe(32);
    // The badge sits at the top right.
    expect(isRed(none.pixel(27, 4))).toBe(false);
    expect(isRed(three.pixel(27, 4))).toBe(true);
    expect(badgeText(3)).toBe('3');
    expect(badgeText(12)).toBe('9+');
    expect(trayIconPng({ pendingCount: 3, connected: true }, 32).equals(trayIconPng({ pendingCount: 4, connected: true }, 32))).toBe(false);
  });

  it('is blue when connected and grey otherwise', () => {
    expect(isBlue(readPng(trayIconPng({ pendingCount: 0, connected: true }, 32)).pixel(8, 24))).toBe(true);
    expect(isGrey(readPng(trayIconPng({ pendingCount: 0, connected: false }, 32)).pixel(8, 24))).toBe(true);
  });

  it('is a monochrome template on macOS, filled when connected and outlined when not', () => {
    const online = readPng(trayTemplatePng({ connected: true }, 32));
    const offline = readPng(trayTemplatePng({ connected: false }, 32));
    expect(online.pixel(10, 12)[3]).toBeGreaterThan(200);
    expect(offline.pixel(10, 12)[3]).toBe(0);
    expect(online.pixel(10, 12).slice(0, 3)).toEqual([0, 0, 0]);
  });

  it('is applied to the tray with the tooltip, menu and (on macOS) the count as title', () => {
    for (const platform of ['win32', 'darwin', 'linux'] as const) {
      const fake = createFakeElectron();
      const tray = createTray({ electron: fake.electron, platform, actions: recordingActions().actions });
      tray.update(state({ pending: [transfer('val_transfer0001'), transfer('val_transfer0002')] }));
      const [electronTray] = fake.trays;
      expect(electronTray?.tooltip).toBe('Secure Access — 2\u00a0validations en attente — Connecté');
      expect(electronTray?.title).toBe(platform === 'darwin' ? '2' : '');
      expect(electronTray?.menu?.template.some((entry) => entry.id === 'pending:acc_amartin0001/val_transfer0002')).toBe(true);
      const image = electronTray?.image as FakeNativeImage;
      expect(image.template).toBe(platform === 'darwin');
      expect(image.representations.map((representation) => representation.scaleFactor)).toEqual(platform === 'win32' ? [1, 1.5, 2] : [1, 2]);
      if (platform !== 'darwin') {
        expect(image.representations[0]?.buffer.equals(trayIconPng({ pendingCount: 2, connected: true }, 16))).toBe(true);
      }
      tray.destroy();
      expect(electronTray?.destroyed).toBe(true);
    }
  });

  it('rebuilds the menu only when its content changes, and opens the window on a click outside macOS', () => {
    const fake = createFakeElectron();
    const { actions, opened } = recordingActions();
    const tray = createTray({ electron: fake.electron, platform: 'win32', actions });
    tray.update(state());
    tray.update(state());
    expect(fake.trays[0]?.menuBuilds).toBe(1);
    tray.update(state({ pending: [transfer('val_transfer0001')] }));
    expect(fake.trays[0]?.menuBuilds).toBe(2);
    fake.trays[0]?.emit('click');
    expect(opened).toEqual([{ screen: 'inbox' }]);
  });
});
