// Writes build/icon.png, the 1024 px application icon electron-builder turns into the .icns, .ico and Linux
// icon sizes. Drawn in code by main/shell/icons.ts (like the tray icons), so nothing binary is hand-edited.
// Run: npx tsx build/generate-icons.ts (tests/unit/packaging checks that the committed file is up to date).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { appIconPng } from '../main/shell/icons';

export const APP_ICON_SIZE = 1024;
export const APP_ICON_PATH = fileURLToPath(new URL('./icon.png', import.meta.url));

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(APP_ICON_PATH, appIconPng(APP_ICON_SIZE));
  console.log(`wrote ${APP_ICON_PATH}`);
}
