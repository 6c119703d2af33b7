/**
 * A fake of the parts of Electron the shell and the preload use, for unit tests on a machine without an Electron
 * binary. It records what the code asks of Electron (window options, handlers, menus, notifications) and lets a
 * test play Electron's side (an IPC call from some frame, a navigation, a permission request, a click).
 * The shell receives it as `ShellElectron` (dependency injection); the preload test mocks 'electron' with it.
 */
import { EventEmitter } from 'node:events';
import { createContext, runInContext } from 'node:vm';
import type { ShellElectron } from '../../main/shell/electron-api';

export interface FakeEvent {
  defaultPrevented: boolean;
  preventDefault(): void;
}

export function fakeEvent<T extends object>(fields: T = {} as T): FakeEvent & T {
  const event = {
    ...fields,
    defaultPrevented: false,
    preventDefault() {
      event.defaultPrevented = true;
    },
  };
  return event;
}

export interface FakeFrame {
  url: string;
  parent: FakeFrame | null;
}

export class FakeWebContents extends EventEmitter {
  static nextId = 1;
  readonly id = FakeWebContents.nextId++;
  windowOpenHandler: ((details: { url: string; frameName: string; features: string; disposition: string }) => { action: 'allow' | 'deny' }) | null = null;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  loading = true;
  devToolsClosed = 0;
  readonly mainFrame: FakeFrame = { url: '', parent: null };

  setWindowOpenHandler(handler: FakeWebContents['windowOpenHandler']): void {
    this.windowOpenHandler = handler;
  }

  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }

  isLoading(): boolean {
    return this.loading;
  }

  closeDevTools(): void {
    this.devToolsClosed += 1;
  }

  /** Plays the page finishing its load. */
  finishLoad(): void {
    this.loading = false;
    this.emit('did-finish-load');
  }
}

export class FakeBrowserWindow extends EventEmitter {
  static instances: FakeBrowserWindow[] = [];
  readonly webContents = new FakeWebContents();
  readonly loadedUrls: string[] = [];
  visible = false;
  minimized = false;
  destroyed = false;
  focused = 0;

  constructor(readonly options: Electron.BrowserWindowConstructorOptions) {
    super();
    FakeBrowserWindow.instances.push(this);
  }

  loadURL(url: string): Promise<void> {
    this.loadedUrls.push(url);
    this.webContents.mainFrame.url = url;
    return Promise.resolve();
  }

  loadFile(path: string): Promise<void> {
    this.loadedUrls.push(`file://${path}`);
    return Promise.resolve();
  }

  show(): void {
    this.visible = true;
  }

  hide(): void {
    this.visible = false;
  }

  focus(): void {
    this.focused += 1;
  }

  isMinimized(): boolean {
    return this.minimized;
  }

  restore(): void {
    this.minimized = false;
  }

  isDestroyed(): boolean {
    return this.destroyed;
  }

  /** Plays the person closing the window (the close button): returns whether the app prevented it. */
  close(): boolean {
    const event = fakeEvent();
    this.emit('close', event);
    if (!event.defaultPrevented) {
      this.destroyed = true;
      this.visible = false;
    }
    return event.defaultPrevented;
  }
}

export interface FakeImageRepresentation {
  scaleFactor: number;
  buffer: Buffer;
}

export class FakeNativeImage {
  readonly representations: FakeImageRepresentation[] = [];
  template = false;

  constructor(first?: FakeImageRepresentation) {
    if (first) this.representations.push(first);
  }

  addRepresentation(options: { scaleFactor?: number; buffer?: Buffer }): void {
    this.representations.push({ scaleFactor: options.scaleFactor ?? 1, buffer: options.buffer ?? Buffer.alloc(0) });
  }

  setTemplateImage(template: boolean): void {
    this.template = template;
  }

  isTemplateImage(): boolean {
    return this.template;
  }
}

export interface FakeMenu {
  template: Electron.MenuItemConstructorOptions[];
}

export class FakeTray extends EventEmitter {
  static instances: FakeTray[] = [];
  image: FakeNativeImage;
  tooltip = '';
  title = '';
  menu: FakeMenu | null = null;
  menuBuilds = 0;
  destroyed = false;

  constructor(image: FakeNativeImage) {
    super();
    this.image = image;
    FakeTray.instances.push(this);
  }

  setImage(image: FakeNativeImage): void {
    this.image = image;
  }

  setToolTip(tooltip: string): void {
    this.tooltip = tooltip;
  }

  setTitle(title: string): void {
    this.title = title;
  }

  setContextMenu(menu: FakeMenu | null): void {
    this.menu = menu;
    this.menuBuilds += 1;
  }

  destroy(): void {
    this.destroyed = true;
  }
}

export class FakeNotification extends EventEmitter {
  static instances: FakeNotification[] = [];
  static supported = true;
  shown = false;
  closed = false;

  static isSupported(): boolean {
    return FakeNotification.supported;
  }

  constructor(readonly options: Electron.NotificationConstructorOptions) {
    super();
    FakeNotification.instances.push(this);
  }

  show(): void {
    this.shown = true;
  }

  close(): void {
    this.closed = true;
    this.emit('close', fakeEvent());
  }

  /** Plays the person clicking the notification. */
  click(): void {
    this.emit('click', fakeEvent());
  }
}

type PermissionRequestHandler = (webContents: unknown, permission: string, callback: (granted: boolean) => void, details: unknown) => void;
type BeforeRequestListener = (details: { url: string }, callback: (response: { cancel?: boolean }) => void) => void;

export class FakeSession {
  permissionRequestHandler: PermissionRequestHandler | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  devicePermissionHandler: ((...args: unknown[]) => boolean) | null = null;
  beforeRequest: BeforeRequestListener | null = null;
  spellChecker = true;
  proxy: unknown = null;
  readonly protocolHandlers = new Map<string, (request: Request) => Promise<Response> | Response>();
  readonly webRequest = {
    onBeforeRequest: (listener: BeforeRequestListener) => {
      this.beforeRequest = listener;
    },
  };
  readonly protocol = {
    handle: (scheme: string, handler: (request: Request) => Promise<Response> | Response) => {
      this.protocolHandlers.set(scheme, handler);
    },
  };

  constructor(readonly partition: string) {}

  setPermissionRequestHandler(handler: PermissionRequestHandler | null): void {
    this.permissionRequestHandler = handler;
  }

  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }

  setDevicePermissionHandler(handler: FakeSession['devicePermissionHandler']): void {
    this.devicePermissionHandler = handler;
  }

  setSpellCheckerEnabled(enabled: boolean): void {
    this.spellChecker = enabled;
  }

  async setProxy(config: unknown): Promise<void> {
    this.proxy = config;
  }

  /** Plays the page asking for a permission; resolves with what the app answered. */
  requestPermission(permission: string): Promise<boolean> {
    return new Promise((resolve) => this.permissionRequestHandler?.(null, permission, resolve, {}));
  }

  /** Plays the page requesting a URL; resolves with whether the app cancelled it. */
  request(url: string): Promise<boolean> {
    return new Promise((resolve) => this.beforeRequest?.({ url }, (response) => resolve(response.cancel === true)));
  }
}

export type IpcHandler = (event: { senderFrame: FakeFrame | null; sender: FakeWebContents }, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, IpcHandler>();

  handle(channel: string, handler: IpcHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }

  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }

  /** Plays a renderer calling `ipcRenderer.invoke(channel, ...args)` from the given frame. */
  async invoke(channel: string, frame: FakeFrame | null, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler({ senderFrame: frame, sender: new FakeWebContents() }, ...args);
  }
}

export class FakeApp extends EventEmitter {
  singleInstance = true;
  isPackaged = false;
  quitCalls = 0;
  appUserModelId: string | null = null;
  readonly loginItemSettings: Electron.Settings[] = [];
  wasOpenedAtLogin = false;

  requestSingleInstanceLock(): boolean {
    return this.singleInstance;
  }

  /** Like Electron: emits before-quit, and quits unless a listener prevented it. */
  quit(): void {
    this.quitCalls += 1;
    const event = fakeEvent();
    this.emit('before-quit', event);
    if (!event.defaultPrevented) this.emit('will-quit', fakeEvent());
  }

  readonly exitCodes: number[] = [];

  /** Like Electron: ends at once, without before-quit. */
  exit(code = 0): void {
    this.quitCalls += 1;
    this.exitCodes.push(code);
  }

  getVersion(): string {
    return '0.1.0';
  }

  getPath(name: string): string {
    return `/fake/${name}`;
  }

  setAppUserModelId(id: string): void {
    this.appUserModelId = id;
  }

  setLoginItemSettings(settings: Electron.Settings): void {
    this.loginItemSettings.push(settings);
  }

  getLoginItemSettings(): Electron.LoginItemSettings {
    const openAtLogin = this.loginItemSettings.at(-1)?.openAtLogin ?? false;
    return {
      openAtLogin, wasOpenedAtLogin: this.wasOpenedAtLogin, status: openAtLogin ? 'enabled' : 'not-registered',
      executableWillLaunchAtLogin: openAtLogin, launchItems: [],
    };
  }

  whenReady(): Promise<void> {
    return Promise.resolve();
  }
}

export interface FakeElectron {
  app: FakeApp;
  ipcMain: FakeIpcMain;
  /** What Menu.setApplicationMenu received (undefined: never called). */
  applicationMenu: FakeMenu | null | undefined;
  sessions: Map<string, FakeSession>;
  defaultSession: FakeSession;
  privilegedSchemes: Array<{ scheme: string; privileges?: Record<string, boolean> }>;
  windows: FakeBrowserWindow[];
  trays: FakeTray[];
  notifications: FakeNotification[];
  /** Emits what the OS reports: 'resume' after sleep, 'unlock-screen'. */
  powerMonitor: EventEmitter;
  /** What the shell receives. */
  electron: ShellElectron;
}

export function createFakeElectron(): FakeElectron {
  FakeBrowserWindow.instances = [];
  FakeTray.instances = [];
  FakeNotification.instances = [];
  FakeNotification.supported = true;
  const app = new FakeApp();
  const ipcMain = new FakeIpcMain();
  const sessions = new Map<string, FakeSession>();
  const defaultSession = new FakeSession('');
  const privilegedSchemes: FakeElectron['privilegedSchemes'] = [];
  const powerMonitor = new EventEmitter();
  const fake = {
    app,
    BrowserWindow: FakeBrowserWindow,
    Tray: FakeTray,
    Menu: {
      buildFromTemplate: (template: Electron.MenuItemConstructorOptions[]): FakeMenu => ({ template }),
      setApplicationMenu: (menu: FakeMenu | null) => {
        result.applicationMenu = menu;
      },
    },
    Notification: FakeNotification,
    nativeImage: {
      createFromBuffer: (buffer: Buffer, options?: { scaleFactor?: number }) => new FakeNativeImage({ buffer, scaleFactor: options?.scaleFactor ?? 1 }),
      createEmpty: () => new FakeNativeImage(),
    },
    ipcMain,
    session: {
      fromPartition(partition: string) {
        let session = sessions.get(partition);
        if (!session) {
          session = new FakeSession(partition);
          sessions.set(partition, session);
        }
        return session;
      },
      defaultSession,
    },
    protocol: { registerSchemesAsPrivileged: (schemes: FakeElectron['privilegedSchemes']) => privilegedSchemes.push(...schemes) },
    powerMonitor,
  };
  const result: FakeElectron = {
    app,
    powerMonitor,
    ipcMain,
    applicationMenu: undefined,
    sessions,
    defaultSession,
    privilegedSchemes,
    get windows() {
      return FakeBrowserWindow.instances;
    },
    get trays() {
      return FakeTray.instances;
    },
    get notifications() {
      return FakeNotification.instances;
    },
    // The fake covers what the shell calls, not the whole of Electron's API: the cast is the boundary.
    electron: fake as unknown as ShellElectron,
  };
  return result;
}

// ---------------------------------------------------------------- the preload's side

export class FakeIpcRenderer extends EventEmitter {
  readonly invocations: Array<{ channel: string; args: unknown[] }> = [];
  answer: (channel: string, args: unknown[]) => unknown = () => ({ ok: true, value: null });

  async invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invocations.push({ channel, args });
    return this.answer(channel, args);
  }

  /** Plays main sending an event on a channel. */
  deliver(channel: string, payload: unknown): void {
    this.emit(channel, { sender: this, senderId: 0, ports: [] }, payload);
  }
}

/**
 * Copies a value from one world to the other as Electron's contextBridge does: functions are proxied (their
 * arguments and results cross too), promises settle across, plain data is copied, and an Error arrives rebuilt
 * from its message alone, without its other properties.
 */
export function crossWorlds(value: unknown): unknown {
  if (typeof value === 'function') {
    return (...args: unknown[]) => crossWorlds((value as (...a: unknown[]) => unknown)(...args.map(crossWorlds)));
  }
  // Checked by shape, not instanceof: each world (a vm context in the tests) has its own Promise and Error.
  if (typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function') {
    return Promise.resolve(value).then(crossWorlds, (reason: unknown) => Promise.reject(crossWorlds(reason)));
  }
  if (Object.prototype.toString.call(value) === '[object Error]') return new Error((value as Error).message);
  if (Array.isArray(value)) return value.map(crossWorlds);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, crossWorlds(entry)]));
  }
  return value;
}

export class FakeContextBridge {
  /** The page's world: its own globals, where the preload's API lands. */
  readonly mainWorld = createContext({});
  readonly exposed = new Map<string, unknown>();
  executions = 0;

  exposeInMainWorld(key: string, api: unknown): void {
    if (this.exposed.has(key)) throw new Error(`Cannot bind an API on top of an existing property on the window object: ${key}`);
    const crossed = crossWorlds(api);
    this.exposed.set(key, crossed);
    (this.mainWorld as Record<string, unknown>)[key] = crossed;
  }

  /** Like Electron, runs the function's source (not the closure) in the page's world, with its arguments crossed. */
  executeInMainWorld({ func, args = [] }: { func: (...args: never[]) => unknown; args?: unknown[] }): unknown {
    this.executions += 1;
    const serialized = runInContext(`(${func.toString()})`, this.mainWorld) as (...args: unknown[]) => unknown;
    return crossWorlds(serialized(...args.map(crossWorlds)));
  }

  /** What the page sees on window. */
  windowProperty(key: string): unknown {
    return (this.mainWorld as Record<string, unknown>)[key];
  }
}

/** The module the preload sees as 'electron' in its test (see vi.mock). */
export function createFakePreloadElectron(): { ipcRenderer: FakeIpcRenderer; contextBridge: FakeContextBridge } {
  return { ipcRenderer: new FakeIpcRenderer(), contextBridge: new FakeContextBridge() };
}
