/**
 * A server that comes back with an empty store (its data directory replaced) has ids below the
 * viewer's Last-Event-ID: the stream starts with `reset`, and the viewer says so, accepts the new
 * log's events (their ids restart, and must not be dropped as duplicates) and replaces its
 * replica of the text with the new document instead of merging the two.
 */
import { expect, it } from 'vitest'
import { waitUntil } from '@cowrite/testing'
import { connectEditor, feedIds, screenshot, shownText, storedLog, useViewerTest } from './fixtures.js'

const env = useViewerTest()

it('says the log was reset, shows the new log and the new text', async () => {
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.setDefaultTimeout(15_000)
  await page.goto(`${env.server.url}/viewer/wiped`)
  await page.waitForSelector('#connection[data-status="live"]')
  const ada = await connectEditor(env, 'wiped', { name: 'Ada', color: '#8e4ec6' })
  ada.text.insert(0, 'Old text that the wiped server no longer has.')
  await waitUntil('the old text shows', async () => (await shownText(page)) === ada.text.toString())
  await waitUntil('a few events show', async () => (await feedIds(page)).length >= 2)
  ada.destroy()
  await waitUntil('Ada’s leave shows', async () => (await page.$$('.events li.event-leave')).length === 1)
  const before = await feedIds(page)

  await env.server.restart({ wipe: true })
  await page.waitForSelector('#banner:not([hidden])')
  expect(await page.textContent('#banner')).toContain('activity log was reset')
  expect(await page.textContent('.events li.notice')).toContain('room state reloaded')

  const bob = await connectEditor(env, 'wiped', { name: 'Bob', color: '#c2860a' })
  bob.text.insert(0, 'A fresh start.')
  await waitUntil('the new text, alone, shows', async () => (await shownText(page)) === 'A fresh start.')
  const log = await storedLog(env.server, 'wiped')
  await page.waitForSelector(`.events li.event[data-id="${log.at(-1)!.id}"]`)
  const shown = await feedIds(page)
  // The new log's events on top (its ids restarted), then the old ones, each once.
  expect(shown).toEqual([...log.map((event) => event.id).reverse(), ...before])
  // The point of the reset: the new log reuses ids the viewer had already shown, and they count.
  expect(log.some((event) => before.includes(event.id))).toBe(true)
  await screenshot(page, 'viewer-after-reset')
  await page.close()
})
