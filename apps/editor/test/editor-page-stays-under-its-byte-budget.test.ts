/**
 * The editor page, as `cowrite serve` sends it (production build, brotli), stays under its byte
 * budgets: what it transfers until the room is editable, and everything until the network is idle
 * (Markdown and its embedded HTML, CSS and JavaScript arrive after the page is editable; code
 * languages, find and replace and the preview renderer only when used).
 *
 * Measured when the budgets were set: 142–145 KB for the first load and 224 KB in all, against 208 KB
 * for both before (one bundle with Markdown in it). The budgets leave room for small changes, not
 * for a library moved back into the first load.
 */
import type { Request } from 'playwright-core'
import { expect, it } from 'vitest'
import { useEditorTest } from './fixtures.js'

const FIRST_LOAD_BUDGET = 150_000
const TOTAL_BUDGET = 235_000

const env = useEditorTest()

/**
 * The page's first load: the document and what its HTML names (entry script, module preloads,
 * stylesheets). Everything else is fetched by the running app, after it is editable. Classifying by
 * what the HTML names, not by what happened to finish before the editor was seen, keeps the figure
 * independent of timing (a lazy chunk may finish before the check sees the editor).
 */
async function firstLoad(finished: readonly Request[]): Promise<Request[]> {
  const document = finished.find((request) => request.resourceType() === 'document')!
  const html = (await (await document.response())!.text())
  const named = new Set([...html.matchAll(/(?:src|href)="(\/[^"]+)"/g)].map((match) => match[1]!))
  return finished.filter((request) => request === document || named.has(new URL(request.url()).pathname))
}

/** Bytes on the wire of the responses to `requests`: headers and (compressed) bodies. */
async function transferred(requests: readonly Request[]): Promise<number> {
  const sizes = await Promise.all(requests.map((request) => request.sizes()))
  return sizes.reduce((sum, size) => sum + size.responseHeadersSize + size.responseBodySize, 0)
}

it('loads an editable room within the first-load budget, and Markdown within the total budget', async () => {
  // The production build, compressed: no test-build routing.
  const context = await env.browser.newContext()
  const page = await context.newPage()
  const finished: Request[] = []
  page.on('requestfinished', (request) => finished.push(request))
  await page.goto(`${env.server.url}/r/byte-budget`)
  await page.waitForSelector('.cm-content[contenteditable="true"]')
  await page.waitForLoadState('networkidle')
  const editable = await firstLoad(finished)
  const [first, total] = [await transferred(editable), await transferred(finished)]
  console.log(`editor page: ${first} bytes until editable (${editable.length} responses), ${total} in all (${finished.length})`)
  expect(editable.some((request) => request.url().endsWith('.js'))).toBe(true)
  expect(first).toBeLessThan(FIRST_LOAD_BUDGET)
  expect(total).toBeLessThan(TOTAL_BUDGET)
  // Markdown came after the first load, not with it.
  expect(finished.length).toBeGreaterThan(editable.length)
  await context.close()
})
