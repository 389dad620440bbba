/**
 * Viewer test fixtures: a real `cowrite serve` (the built CLI with SQLite in a temporary data
 * directory, serving the built viewer), restartable on the same port; Debian's Chromium driven by
 * playwright-core; stock y-websocket editors in Node; the stored activity log read back over SSE;
 * and readers of what the viewer shows. Screenshots go to test-results/ at the repository root.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import * as Y from 'yjs'
import { WebSocket } from 'ws'

export const REPO = fileURLToPath(new URL('../../../', import.meta.url))
export const RESULTS = `${REPO}test-results/`
const CLI = `${REPO}packages/server/bin/cowrite.js`

/** Fail early and clearly when the things these tests exercise were not built. */
export function assertBuilt(): void {
  for (const file of ['packages/server/dist/cli.js', 'apps/viewer/dist/index.html']) {
    if (!existsSync(REPO + file)) throw new Error(`${file} is missing: run \`pnpm build\` before the browser tests`)
  }
}

/** `cowrite token …` with `secret`: a signed token for `room`. */
export function signToken(secret: string, room: string, role: 'edit' | 'view', name: string): string {
  return execFileSync(process.execPath, [CLI, 'token', '--room', room, '--role', role, '--name', name, '--auth-secret', secret], { encoding: 'utf8' }).trim()
}

/** Resolve once `predicate` holds (polled every 10 ms); fail after `timeoutMs` naming `what`. */
export async function until(what: string, predicate: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

export interface ServerProcess {
  readonly url: string
  readonly port: number
  readonly wsUrl: string
  /** SIGTERM and wait for the exit (the server flushes activity and storage first). */
  stop(): Promise<void>
  /** Start again on the same port with the same data directory (emptied first with `wipe`). */
  restart(options?: { wipe?: boolean }): Promise<void>
  /** Stop and remove the data directory. */
  dispose(): Promise<void>
}

/** `cowrite serve` with SQLite in a fresh data directory, on a free port, once it says it is listening. */
export async function startServer(extraArgs: string[] = []): Promise<ServerProcess> {
  const data = mkdtempSync(join(tmpdir(), 'cowrite-viewer-'))
  let child: ChildProcess
  let exited: Promise<void>
  const launch = async (port: number): Promise<string> => {
    child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--data', data, '--log-level', 'warn', ...extraArgs], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] })
    exited = new Promise((resolve) => child.once('exit', () => resolve()))
    let stderr = ''
    child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
    return new Promise<string>((resolve, reject) => {
      let stdout = ''
      const timer = setTimeout(() => reject(new Error(`cowrite serve did not report ready within 10 s\n${stderr}`)), 10_000)
      child.stdout!.on('data', (chunk: Buffer) => {
        stdout += chunk.toString()
        const match = /cowrite listening on (http:\/\/\S+)/.exec(stdout)
        if (match) {
          clearTimeout(timer)
          resolve(match[1]!)
        }
      })
      child.once('exit', (code) => {
        clearTimeout(timer)
        reject(new Error(`cowrite serve exited with ${code} before it was ready\n${stderr}`))
      })
    })
  }
  const url = await launch(0)
  const port = Number(new URL(url).port)
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
    await exited
  }
  return {
    url,
    port,
    wsUrl: url.replace(/^http/, 'ws'),
    stop,
    async restart(options = {}) {
      await stop()
      if (options.wipe) {
        rmSync(data, { recursive: true, force: true })
        mkdirSync(data)
      }
      await launch(port)
    },
    async dispose() {
      await stop()
      rmSync(data, { recursive: true, force: true })
    },
  }
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  })
}

export interface Editor {
  readonly doc: Y.Doc
  readonly text: Y.Text
  readonly provider: WebsocketProvider
  destroy(): void
}

/** The official y-websocket provider in Node, announcing `user` before it connects; resolves once synced. */
export async function connectEditor(server: ServerProcess, room: string, user: { name: string; color: string }, token?: string): Promise<Editor> {
  const doc = new Y.Doc()
  const awareness = new Awareness(doc)
  awareness.setLocalStateField('user', user)
  const provider = new WebsocketProvider(server.wsUrl, room, doc, {
    awareness,
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    maxBackoffTime: 200,
    params: token ? { token } : {},
  })
  let destroyed = false
  const editor: Editor = {
    doc,
    text: doc.getText('content'),
    provider,
    destroy() {
      if (destroyed) return
      destroyed = true
      provider.destroy()
      awareness.destroy()
      doc.destroy()
    },
  }
  await until(`${user.name} synced`, () => provider.synced)
  return editor
}

/**
 * The stored activity log of `room`, as the server replays it: `?tail=1000&doc=1` makes the
 * stream send a `snapshot` right after the replay, which marks its end.
 */
export async function storedLog(server: ServerProcess, room: string): Promise<Array<{ id: number; type: string }>> {
  const abort = new AbortController()
  const response = await fetch(`${server.url}/api/rooms/${room}/activity?tail=1000&doc=1`, { signal: abort.signal })
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  const events: Array<{ id: number; type: string }> = []
  let buffer = ''
  try {
    for (;;) {
      const { value, done } = await reader.read()
      if (done) throw new Error('the activity stream ended before its snapshot')
      buffer += value
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const message = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const type = /^event: (.*)$/m.exec(message)?.[1]
        if (type === 'snapshot') return events
        const data = /^data: (.*)$/m.exec(message)?.[1]
        if (type && data && type !== 'update') events.push({ id: (JSON.parse(data) as { id: number }).id, type })
      }
    }
  } finally {
    abort.abort()
  }
}

/** The ids of the feed's event lines, top (newest) first. */
export function feedIds(page: Page): Promise<number[]> {
  return page.$$eval('.events li.event', (lines) => lines.map((line) => Number((line as HTMLElement).dataset.id)))
}

/** The feed's sentences, top first, without times. */
export function feedTexts(page: Page): Promise<string[]> {
  return page.$$eval('.events li.event .text', (lines) => lines.map((line) => line.textContent ?? ''))
}

/** The live document as shown: CodeMirror's rendered lines (tests keep documents short enough to be all in view). */
export function shownText(page: Page): Promise<string> {
  return page.$$eval('#live-text .cm-line', (lines) => lines.map((line) => line.textContent ?? '').join('\n'))
}

/** The connection badge's status (`live`, `reconnecting`, …) and words. */
export async function badge(page: Page): Promise<{ status: string; text: string }> {
  return page.$eval('#connection', (element) => ({ status: (element as HTMLElement).dataset.status ?? '', text: element.textContent ?? '' }))
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true })
  await page.screenshot({ path: `${RESULTS}${name}.png`, fullPage: true })
}

/** Record every WebSocket the page opens: the viewer must open none. */
export function watchWebSockets(page: Page): string[] {
  const opened: string[] = []
  page.on('websocket', (socket) => opened.push(socket.url()))
  return opened
}
