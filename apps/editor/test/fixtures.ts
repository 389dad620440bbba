/**
 * Editor test fixtures: the browser test setup (a real `cowrite serve` with memory storage, and
 * Debian's Chromium; pages get the editor's test build, whose `window.cowrite` hands the tests
 * the session and the view) from @cowrite/testing, and small helpers to open and read the
 * editor. Screenshots go to test-results/ at the repository root.
 */
import { mkdirSync } from 'node:fs'
import { REPO, useBrowserTest, type BrowserTest } from '@cowrite/testing'
import type { BrowserContext, Page } from 'playwright-core'

const RESULTS = `${REPO}test-results/`

/** Start the editor's server (with `args`) and a browser for the calling file's tests. */
export function useEditorTest(args: readonly string[] = [], hookTimeoutMs?: number): BrowserTest {
  return useBrowserTest({ app: 'editor', testBuild: true, storage: 'memory', args, hookTimeoutMs })
}

/**
 * A page in a context of its own (its own IndexedDB, localStorage and BroadcastChannel scope, like
 * a separate browser), with the user's name set before the app loads.
 */
export async function openEditor(env: BrowserTest, url: string, name: string, size = { width: 1000, height: 640 }): Promise<{ context: BrowserContext; page: Page }> {
  const context = await env.newContext({ viewport: size })
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

/** Wait until `page`'s editor holds exactly `text`. */
export async function waitForText(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((expected) => (window as any).cowrite.view.state.doc.toString() === expected, text, { timeout })
}

/** Wait until the connection pill shows `status`. */
export async function waitForStatus(page: Page, status: string, timeout = 30_000): Promise<void> {
  await page.waitForSelector(`#connection[data-status="${status}"]`, { timeout })
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(RESULTS, { recursive: true })
  await page.screenshot({ path: `${RESULTS}${name}.png` })
}
