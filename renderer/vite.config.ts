import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Relative asset paths (base './'): the app serves the built page from app://secure-access/ (main/shell/security.ts,
// never file://), the tests from a local HTTP server (tests/harness/renderer-harness.ts); both find the assets.
export default defineConfig({
  root: import.meta.dirname,
  base: './',
  plugins: [react()],
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    // Electron 45 ships Chromium 140: no legacy syntax, no polyfills.
    target: 'chrome130',
    // The polyfill would be an extra script; the page's CSP allows only 'self' files.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    reportCompressedSize: true,
  },
});
