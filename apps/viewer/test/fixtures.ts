/**
 * Viewer test fixtures: the browser test setup (a real `cowrite serve` with SQLite in a temporary
 * data directory, serving the built viewer, restartable on the same port; Debian's Chromium) from
 * @cowrite/testing; stock y-websocket editors in Node; the stored activity log read back over SSE;
 * and readers of what the viewer shows. Screenshots go to test-results/ at the repository root.
 */
import { mkdirSync } from 'node:fs'
import { createStockClient, REPO, useBrowserTest, waitUntil, type AppServer, type BrowserTest, type StockClient } from '@cowrite/testing'
import type { Page } from 'playwright-core'

const RESULTS = `${REPO}test-results/`

/** Start the viewer's server (with `args`) and a browser for the calling file's tests. */
export function useViewerTest(args: readonly string[] = []): BrowserTest {
  return useBrowserTest({ app: 'viewer', storage: 'sqlite', args })
}

/**
 * The official y-websocket provider in Node, announcing `user` before it connects; resolves once
 * synced. It is destroyed after the file's tests, if the test did not destroy it first.
 */
export async function connectEditor(env: BrowserTest, room: string, user: { name: string; color: string }, token?: string): Promise<StockClient> {
  const editor = createStockClient(env.server.wsUrl, room, { user, params: token ? { token } : {} })
  env.defer(() => editor.destroy())
  await waitUntil(`${user.name} is synced`, () => editor.provider.synced, { on: [[editor.provider, 'sync']] })
  return editor
}

/**
 * The stored activity log of `room`, as the server replays it: `?tail=1000&doc=1` makes the
 * stream send a `snapshot` right after the replay, which marks its end.
 */
export async function storedLog(server: AppServer, room: string): Promise<Array<{ id: number; type: string }>> {
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

/** The ids of the events the feed shows, line by line from the top, an editing session's (several) newest first. */
export function feedIds(page: Page): Promise<number[]> {
  return page.$$eval('.events li.event', (lines) => lines.flatMap((line) => ((line as HTMLElement).dataset.ids ?? '').split(' ').map(Number).reverse()))
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
