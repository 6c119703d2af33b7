import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const portalRoot = fileURLToPath(new URL('.', import.meta.url));
const repositoryRoot = fileURLToPath(new URL('../..', import.meta.url));

// The Espace Client is served by the reference server at `/`, under a CSP with script-src 'self':
// everything it runs or shows must come from its own files (no inline script, no external asset).
export default defineConfig({
  root: portalRoot,
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The preload polyfill would be an inline script in older setups; modern Chromium/Firefox/Safari do not need it.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    target: 'es2022',
  },
  // The portal imports the wire contract from protocol/, outside its own root.
  server: { fs: { allow: [repositoryRoot] } },
});
