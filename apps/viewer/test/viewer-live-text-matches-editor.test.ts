/**
 * The viewer's read-only text is the editors' text: two stock editors make a seeded random
 * sequence of inserts and deletes (new lines included, concurrently), and the viewer, fed only by
 * the `?doc=1` stream's snapshot and updates, ends up showing exactly their converged text. A
 * second viewer opened afterwards starts from the snapshot and shows the same.
 */
import { expect, it } from 'vitest'
import { waitUntil } from '@cowrite/testing'
import { connectEditor, screenshot, shownText, useViewerTest } from './fixtures.js'

const env = useViewerTest()

/** mulberry32: a small seeded generator, so a failure replays. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

it('shows exactly the editors’ converged text after random concurrent edits', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.setDefaultTimeout(10_000)
  await page.goto(`${env.server.url}/viewer/shared`)
  await page.waitForSelector('#connection[data-status="live"]')
  const ada = await connectEditor(env, 'shared', { name: 'Ada', color: '#0090ff' })
  const bob = await connectEditor(env, 'shared', { name: 'Bob', color: '#f76b15' })

  const next = random(20_240_601)
  const words = ['alpha ', 'beta ', 'gamma\n', 'δέλτα ', '😀 ', 'line\n', 'x']
  for (let step = 0; step < 200; step++) {
    const editor = next() < 0.5 ? ada : bob
    const length = editor.text.length
    const text = editor.text.toString()
    // Like a real editor, never cut an emoji's surrogate pair in two (Yjs would store halves).
    const whole = (at: number) => (at > 0 && at < text.length && /[\ud800-\udbff]/.test(text[at - 1]!) ? at + 1 : at)
    if (length > 20 && next() < 0.35) {
      const from = whole(Math.floor(next() * length))
      const to = whole(Math.min(length, from + 1 + Math.floor(next() * 8)))
      if (to > from) editor.text.delete(from, to - from)
    } else {
      editor.text.insert(whole(Math.floor(next() * (length + 1))), words[Math.floor(next() * words.length)]!)
    }
    if (step % 20 === 0) await new Promise((resolve) => setImmediate(resolve)) // let updates cross
  }
  await waitUntil('the editors converge', () => ada.text.toString() === bob.text.toString())
  const expected = ada.text.toString()
  // The document stays short enough for CodeMirror to render every line.
  expect(expected.split('\n').length).toBeLessThan(40)
  await waitUntil('the viewer shows the converged text', async () => (await shownText(page)) === expected)
  await screenshot(page, 'viewer-live-text')

  const late = await env.browser.newPage({ viewport: { width: 1280, height: 900 } })
  await late.goto(`${env.server.url}/viewer/shared`)
  await late.waitForSelector('#connection[data-status="live"]')
  await waitUntil('a viewer opened later shows the same text', async () => (await shownText(late)) === expected)
  await page.close()
  await late.close()
})
