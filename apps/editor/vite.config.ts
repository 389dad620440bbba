/**
 * Vite for the editor. `vite build` writes dist/, which `cowrite serve` serves; `vite build --mode
 * test` writes dist-test/, the same app with the browser tests' hooks (src/test-hooks.ts), which
 * @cowrite/testing serves to the test pages. `vite` (pnpm dev)
 * serves the app with hot reload and proxies the sync socket (`/sync/<room>` → `/<room>`) and the
 * API to a Cowrite server, by default on 127.0.0.1:1234 (COWRITE_DEV_SERVER to change it); if none
 * answers there, it starts one with in-memory storage and stops it with Vite.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { defineConfig, type Plugin } from 'vite'

const target = process.env.COWRITE_DEV_SERVER ?? 'http://127.0.0.1:1234'
const repo = fileURLToPath(new URL('../../', import.meta.url))

/** Start `cowrite serve` for `vite` if nothing answers at `target`. */
function cowriteServer(): Plugin {
  let child: ChildProcess | undefined
  return {
    name: 'cowrite-dev-server',
    apply: 'serve',
    async configureServer(server) {
      const up = await fetch(new URL('/healthz', target), { signal: AbortSignal.timeout(1000) }).then(
        (response) => response.ok,
        () => false,
      )
      if (up || process.env.COWRITE_DEV_SERVER) return
      const cli = `${repo}packages/server/bin/cowrite.js`
      if (!existsSync(`${repo}packages/server/dist/cli.js`)) {
        server.config.logger.warn('cowrite: no server at 127.0.0.1:1234 and the server is not built; run `pnpm build` or `pnpm start` in another terminal')
        return
      }
      const { port } = new URL(target)
      child = spawn(process.execPath, [cli, 'serve', '--port', port, '--storage', 'memory', '--log-level', 'warn'], { stdio: ['ignore', 'inherit', 'inherit'] })
      server.httpServer?.once('close', () => child?.kill('SIGTERM'))
      process.once('exit', () => child?.kill('SIGTERM'))
    },
  }
}

export default defineConfig(({ command, mode }) => ({
  plugins: [cowriteServer()],
  resolve: {
    // One copy of each: two yjs (or @codemirror/state) instances break instanceof checks.
    dedupe: ['yjs', 'y-protocols', 'lib0', '@codemirror/state', '@codemirror/view', '@codemirror/language'],
    // In development, use the client's source for hot reload; a build uses its compiled output.
    alias: command === 'serve' ? [{ find: '@cowrite/client', replacement: fileURLToPath(new URL('../../packages/client/src/index.ts', import.meta.url)) }] : [],
  },
  server: {
    proxy: {
      '/sync': { target, ws: true, changeOrigin: true, rewrite: (path) => path.replace(/^\/sync/, '') || '/' },
      '/api': { target, changeOrigin: true },
      '/healthz': { target, changeOrigin: true },
      '/metrics': { target, changeOrigin: true },
    },
  },
  build: {
    outDir: mode === 'test' ? 'dist-test' : 'dist',
    target: 'es2022',
    sourcemap: true,
    // CodeMirror's Markdown mode brings HTML, CSS and JavaScript for embedded blocks (~220 kB gzipped in all).
    chunkSizeWarningLimit: 800,
  },
}))
