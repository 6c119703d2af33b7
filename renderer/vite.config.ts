import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Relative asset paths (base './') so the built page loads from file:// inside Electron as well as over HTTP.
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
