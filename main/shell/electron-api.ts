/**
 * The part of Electron the shell uses, passed in rather than imported: main/index.ts hands over the real module,
 * the unit tests a fake (tests/harness/fake-electron.ts). Types only, so nothing here loads Electron.
 */
import type {
  App, BrowserWindow, BrowserWindowConstructorOptions, IpcMain, Menu, MenuItemConstructorOptions, NativeImage,
  Notification, NotificationConstructorOptions, PowerMonitor, Protocol, Session, Tray,
} from 'electron';

export interface ShellElectron {
  app: App;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => BrowserWindow;
  Tray: new (image: NativeImage) => Tray;
  Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): Menu; setApplicationMenu(menu: Menu | null): void };
  Notification: { new (options: NotificationConstructorOptions): Notification; isSupported(): boolean };
  nativeImage: { createFromBuffer(buffer: Buffer, options?: { scaleFactor?: number }): NativeImage; createEmpty(): NativeImage };
  ipcMain: IpcMain;
  session: { fromPartition(partition: string): Session; readonly defaultSession: Session };
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged'>;
  powerMonitor: Pick<PowerMonitor, 'on' | 'off'>;
}

/** What the shell logs through: the core's Logger port. */
export type { Logger } from '../core/ports';
