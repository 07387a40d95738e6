import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The dashboard, served by otpline at /admin/ from dist/admin-ui/ (src/admin/routes.ts).
// Paths are relative to this folder (scripts/build.mjs builds with it as the root).
export default defineConfig({
  base: '/admin/',
  plugins: [preact()],
  build: {
    outDir: '../dist/admin-ui',
    emptyOutDir: true,
    // A strict CSP (script-src 'self'): no inline script.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  logLevel: 'warn',
});
