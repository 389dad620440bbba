/**
 * Browser test fixtures: a real `cowrite serve` (the built CLI, serving the built editor) on a
 * free port, Debian's Chromium driven by playwright-core, and small helpers to read the editor.
 * Screenshots go to test-results/ at the repository root.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'

export const REPO = fileURLToPath(new URL('../../../', import.meta.url))
export const RESULTS = `${REPO}test-results/`
const CLI = `${REPO}packages/server/bin/cowrite.js`

/** Fail early and clearly when the things these tests exercise were not built. */
export function assertBuilt(): void {
  for (const file of ['packages/server/dist/cli.js', 'apps/editor/dist/index.html']) {
    if (!existsSync(REPO + file)) throw new Error(`${file} is missing: run \`pnpm build\` before the browser tests`)
  }
}

export interface ServerProcess {
  url: string
  port: number
  child: ChildProcess
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>
}

/** Spawn `cowrite serve --storage memory ...args` on `port` (0: a free one) and wait for its ready line. */
export async function startServer(port = 0, args: readonly string[] = []): Promise<ServerProcess> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', String(port), '--storage', 'memory', '--log-level', 'warn', ...args], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let stderr = ''
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const url = await new Promise<string>((resolve, reject) => {
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
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return {
    url,
    port: Number(new URL(url).port),
    child,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM')
      await exited
    },
  }
}

export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}

/**
 * A page in a context of its own (its own IndexedDB, localStorage and BroadcastChannel scope, like
 * a separate browser), with the user's name set before the app loads.
 */
export async function openEditor(browser: Browser, url: string, name: string, size = { width: 1000, height: 640 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: size })
  await context.addInitScript((userName: string) => {
    if (!localStorage.getItem('cowrite.user')) localStorage.setItem('cowrite.user', JSON.stringify({ name: userName }))
  }, name)
  const page = await context.newPage()
  page.on('pageerror', (error) => console.error(`[${name}] page error:`, error))
  await page.goto(url)
  await page.waitForSelector('.cm-content')
  return { context, page }
}

/** The editor's text, from CodeMirror's state (not the DOM, which only holds visible lines). */
export function editorText(page: Page): Promise<string> {
  return page.evaluate(() => (window as unknown as { cowrite: { view: { state: { doc: { toString(): string } } } } }).cowrite.view.state.doc.toString())
}

/** Wait until the connection pill shows `status`. */
export async function waitForStatus(page: Page, status: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`#connection[data-status="${status}"]`, { timeout })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true })
  await page.screenshot({ path: `${RESULTS}${name}.png` })
}
