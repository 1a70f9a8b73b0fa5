// The admin console: console/ → dist/public/, which the server serves at `/` (src/console/).
// `npm run build` builds it when its sources changed; `npx vite` serves it with hot reload on
// :5173 and passes the API to a server on :3000.
import { defineConfig } from 'vite';

const api = { target: 'http://127.0.0.1:3000', changeOrigin: false };

export default defineConfig({
  root: 'console',
  // Preact's automatic JSX runtime, as console/tsconfig.json types it.
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  build: {
    outDir: '../dist/public',
    emptyOutDir: true,
    // Every file is the page's own: nothing inlined as a data: URI, nothing fetched from elsewhere.
    assetsInlineLimit: 0,
    target: 'es2022',
  },
  server: { proxy: { '/api': api, '/openapi.json': api } },
});
