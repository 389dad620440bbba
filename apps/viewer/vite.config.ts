/**
 * Vite for the viewer, served by `cowrite serve` under `/viewer/` (hence `base`). `vite build`
 * writes dist/. `vite` (dev) serves the app at http://localhost:5173/viewer/ and proxies the API
 * and the activity streams to a Cowrite server, by default 127.0.0.1:1234 (COWRITE_DEV_SERVER to
 * change it); start one with `pnpm start` in another terminal.
 */
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

const target = process.env.COWRITE_DEV_SERVER ?? 'http://127.0.0.1:1234'

export default defineConfig(({ command }) => ({
  base: '/viewer/',
  resolve: {
    // One copy of each: two yjs (or @codemirror/state) instances break instanceof checks.
    dedupe: ['yjs', 'y-protocols', 'lib0', '@codemirror/state', '@codemirror/view'],
    // In development, use the client's source for hot reload; a build uses its compiled output.
    alias: command === 'serve' ? [{ find: '@cowrite/client', replacement: fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url)) }] : [],
  },
  server: {
    proxy: {
      // SSE passes through Vite's proxy as a plain streamed response.
      '/api': { target, changeOrigin: true },
      '/r': { target, changeOrigin: true },
    },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
  },
}))
