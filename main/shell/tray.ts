/**
 * The tray (the menu bar on macOS), where the app lives. Its icon shows the number of pending validations and
 * whether the app is connected; its menu lists the pending validations, opens the window, lists the accounts,
 * checks now and quits. `trayView` is the pure part (tested directly); `createTray` applies it to Electron.
 */
import type { MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { AccountSummary, ConnectivityState, Language, NavigationTarget, PendingValidation } from '../../preload/contract';
import type { ShellElectron } from './electron-api';
import { trayIconPng, trayTemplatePng } from './icons';
import { isolated, validationLine, wordingFor } from './wording';

/** At most this many validations are listed in the menu; the rest are one "… and N more" item. */
export const MAX_MENU_VALIDATIONS = 8;

export interface TrayState {
  pending: PendingValidation[];
  accounts: AccountSummary[];
  connectivity: ConnectivityState;
  language: Language;
}

export interface TrayActions {
  open(target: NavigationTarget): void;
  checkNow(): void;
  quit(): void;
}

export interface TrayView {
  /** Next to the icon in the macOS menu bar: the count, or nothing. */
  title: string;
  tooltip: string;
  icon: { pendingCount: number; connected: boolean };
  menu: MenuItemConstructorOptions[];
}

export function trayView(state: TrayState, actions: TrayActions): TrayView {
  const words = wordingFor(state.language);
  const count = state.pending.length;
  const overall = state.connectivity.overall;
  const connected = overall === 'online';
  const severalAccounts = new Set(state.pending.map((validation) => validation.accountId)).size > 1;

  const menu: MenuItemConstructorOptions[] = [
    { id: 'status', label: `Secure Access — ${words.link[overall]}`, enabled: false },
    { type: 'separator' },
  ];
  if (count === 0) {
    menu.push({ id: 'pending-none', label: words.pendingCount(0), enabled: false });
  } else {
    menu.push({ id: 'pending-header', label: words.pendingHeader(count), enabled: false });
    for (const validation of state.pending.slice(0, MAX_MENU_VALIDATIONS)) {
      const line = validationLine(validation, state.language);
      menu.push({
        id: `pending:${validation.accountId}/${validation.id}`,
        label: severalAccounts && validation.kind !== 'login' ? `${line} — ${isolated(validation.accountLabel)}` : line,
        click: () => actions.open({ screen: 'validation', accountId: validation.accountId, validationId: validation.id }),
      });
    }
    if (count > MAX_MENU_VALIDATIONS) {
      menu.push({ id: 'pending-more', label: words.more(count - MAX_MENU_VALIDATIONS), click: () => actions.open({ screen: 'inbox' }) });
    }
  }
  menu.push(
    { type: 'separator' },
    { id: 'open', label: words.open, click: () => actions.open({ screen: 'inbox' }) },
    {
      id: 'accounts',
      label: words.accounts,
      submenu: [
        ...state.accounts.map((account): MenuItemConstructorOptions => ({
          id: `account:${account.id}`,
          label: `${isolated(account.displayName)} · ${isolated(account.companyName)} (${words.accountStatus[account.status]})`,
          click: () => actions.open({ screen: 'accounts' }),
        })),
        ...(state.accounts.length > 0 ? [{ type: 'separator' } as const] : []),
        { id: 'add-account', label: words.addAccount, click: () => actions.open({ screen: 'accounts' }) },
      ],
    },
    { id: 'check-now', label: words.checkNow, enabled: state.accounts.some((account) => account.status === 'active'), click: () => actions.checkNow() },
    { type: 'separator' },
    { id: 'quit', label: words.quit, click: () => actions.quit() },
  );

  return {
    title: count > 0 ? String(count) : '',
    tooltip: `Secure Access — ${words.pendingCount(count)} — ${words.link[overall]}`,
    icon: { pendingCount: count, connected },
    menu,
  };
}

export interface TrayDeps {
  electron: Pick<ShellElectron, 'Tray' | 'Menu' | 'nativeImage'>;
  platform: NodeJS.Platform;
  actions: TrayActions;
}

export interface TrayController {
  update(state: TrayState): void;
  destroy(): void;
}

/** The icon for a state: a template image on macOS (the system tints it), colours elsewhere. 1× and 2× (and 1.5× on Windows). */
export function trayImage(
  nativeImage: ShellElectron['nativeImage'],
  platform: NodeJS.Platform,
  state: TrayView['icon'],
): NativeImage {
  const scales = platform === 'win32' ? [1, 1.5, 2] : [1, 2];
  const draw = (size: number) => (platform === 'darwin' ? trayTemplatePng(state, size) : trayIconPng(state, size));
  const [first, ...others] = scales;
  const image = nativeImage.createFromBuffer(draw(16 * (first ?? 1)), { scaleFactor: first ?? 1 });
  for (const scaleFactor of others) image.addRepresentation({ scaleFactor, buffer: draw(Math.round(16 * scaleFactor)) });
  if (platform === 'darwin') image.setTemplateImage(true);
  return image;
}

export function createTray({ electron, platform, actions }: TrayDeps): TrayController {
  const images = new Map<string, NativeImage>();
  const imageFor = (icon: TrayView['icon']) => {
    // The template image does not show the count (the title does), so fewer variants on macOS.
    const key = platform === 'darwin' ? `${icon.connected}` : `${icon.connected}:${Math.min(icon.pendingCount, 10)}`;
    let image = images.get(key);
    if (!image) {
      image = trayImage(electron.nativeImage, platform, icon);
      images.set(key, image);
    }
    return image;
  };

  const tray: Tray = new electron.Tray(imageFor({ pendingCount: 0, connected: false }));
  // Windows and Linux: a click on the icon opens the window; the menu stays on right click. macOS shows the menu.
  if (platform !== 'darwin') tray.on('click', () => actions.open({ screen: 'inbox' }));
  let lastKey = '';

  return {
    update(state) {
      const view = trayView(state, actions);
      // Functions drop out of JSON: the key is the menu's visible content.
      const key = JSON.stringify(view.menu);
      tray.setImage(imageFor(view.icon));
      tray.setToolTip(view.tooltip);
      if (platform === 'darwin') tray.setTitle(view.title, { fontType: 'monospacedDigit' });
      if (key !== lastKey) {
        tray.setContextMenu(electron.Menu.buildFromTemplate(view.menu));
        lastKey = key;
      }
    },
    destroy() {
      tray.destroy();
    },
  };
}
