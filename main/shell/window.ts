/**
 * The one window factory: no window of Secure Access is created any other way, so every window carries every
 * option of Electron's security checklist. And the hardening applied to every web contents the app ever creates.
 */
import type { BrowserWindow, NativeImage, WebContents, WebPreferences } from 'electron';
import type { Logger, ShellElectron } from './electron-api';
import { RENDERER_ENTRY_URL, UI_PARTITION, describeUrlForLog } from './security';

export interface WindowOptions {
  preloadPath: string;
  isDevelopment: boolean;
}

export function secureWebPreferences({ preloadPath, isDevelopment }: WindowOptions): WebPreferences {
  return {
    preload: preloadPath,
    partition: UI_PARTITION,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    experimentalFeatures: false,
    webviewTag: false,
    navigateOnDragDrop: false,
    spellcheck: false,
    safeDialogs: true,
    devTools: isDevelopment,
  };
}

/**
 * Denies, for one web contents: navigation away from the page, redirects, new windows, <webview>, and DevTools
 * outside development. Registered for every web contents through app's 'web-contents-created'.
 */
export function hardenWebContents(contents: WebContents, { isDevelopment, logger }: { isDevelopment: boolean; logger: Logger }): void {
  contents.on('will-navigate', (event) => {
    event.preventDefault();
    logger.warn('denied a navigation away from the app', { target: describeUrlForLog(event.url) });
  });
  contents.on('will-frame-navigate', (event) => {
    if (event.isSameDocument) return;
    if (event.isMainFrame) return; // will-navigate above decides for the main frame
    event.preventDefault();
    logger.warn('denied a frame navigation', { target: describeUrlForLog(event.url) });
  });
  contents.on('will-redirect', (event) => {
    event.preventDefault();
    logger.warn('denied a redirect', { target: describeUrlForLog(event.url) });
  });
  contents.on('will-attach-webview', (event) => {
    event.preventDefault();
    logger.warn('denied a <webview>');
  });
  contents.setWindowOpenHandler(({ url }) => {
    logger.warn('denied a new window', { target: describeUrlForLog(url) });
    return { action: 'deny' };
  });
  if (!isDevelopment) {
    contents.on('devtools-opened', () => contents.closeDevTools());
  }
}

export interface MainWindowOptions extends WindowOptions {
  /** Windows and Linux show it in the taskbar and title bar; macOS uses the bundle's icon. */
  icon?: NativeImage;
  logger: Logger;
}

/** Creates the main window, hidden until its page is ready, loading our page from app://. */
export function createMainWindow(electron: Pick<ShellElectron, 'BrowserWindow'>, options: MainWindowOptions): BrowserWindow {
  const window = new electron.BrowserWindow({
    title: 'Secure Access',
    width: 480,
    height: 720,
    minWidth: 380,
    minHeight: 520,
    show: false,
    autoHideMenuBar: true,
    backgroundColor: '#ffffff',
    ...(options.icon ? { icon: options.icon } : {}),
    webPreferences: secureWebPreferences(options),
  });
  window.loadURL(RENDERER_ENTRY_URL).catch((error: unknown) => {
    options.logger.error('the window could not load its page', { error: error instanceof Error ? error.message : String(error) });
  });
  return window;
}
