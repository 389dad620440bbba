/**
 * The server behind a browser test: `cowrite serve` serving the built apps on a free port, which a
 * test can stop and start again on the same port (and, with SQLite, the same data directory) to
 * watch the apps reconnect. Launching the browser is left to browser.ts.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { serveCowrite, type CowriteProcess } from './cowrite-process.js'

export interface AppServerOptions {
  /** `memory`, or SQLite in a fresh temporary data directory removed by `dispose`. */
  storage: 'memory' | 'sqlite'
  /** More `cowrite serve` arguments, e.g. `['--auth-secret', secret]`. */
  args?: readonly string[]
}

export interface AppServer {
  readonly url: string
  readonly wsUrl: string
  readonly port: number
  /** SIGTERM and wait for the exit (the server flushes activity and storage first). */
  stop(): Promise<void>
  /** Stop if running, then start again on the same port with the same data directory (emptied first with `wipe`). */
  restart(options?: { wipe?: boolean }): Promise<void>
  /** Stop and remove the data directory, if any. */
  dispose(): Promise<void>
}

/** Start `cowrite serve --log-level warn` with `options.storage` on a free port, once it is listening. */
export async function startAppServer(options: AppServerOptions): Promise<AppServer> {
  const data = options.storage === 'sqlite' ? mkdtempSync(join(tmpdir(), 'cowrite-app-')) : null
  const storageArgs = data === null ? ['--storage', 'memory'] : ['--data', data]
  const launch = (port: number) => serveCowrite(['--port', String(port), ...storageArgs, '--log-level', 'warn', ...(options.args ?? [])])
  let current: CowriteProcess
  try {
    current = await launch(0)
  } catch (error) {
    if (data !== null) rmSync(data, { recursive: true, force: true })
    throw error
  }
  const { url, wsUrl, port } = current
  return {
    url,
    wsUrl,
    port,
    stop: () => current.stop(),
    async restart({ wipe = false } = {}) {
      await current.stop()
      if (wipe && data !== null) {
        rmSync(data, { recursive: true, force: true })
        mkdirSync(data)
      }
      current = await launch(port)
    },
    async dispose() {
      await current.stop()
      if (data !== null) rmSync(data, { recursive: true, force: true })
    },
  }
}
