/**
 * The server restarts (same port, same SQLite data) under an open viewer: the viewer says it is
 * reconnecting, resumes by Last-Event-ID, and its feed ends up holding exactly the stored log:
 * every id once, none missing, newest on top; the live text equals the editors' text.
 */
import { expect, it } from 'vitest'
import { waitUntil } from '@cowrite/testing'
import { badge, connectEditor, feedIds, screenshot, shownText, storedLog, useViewerTest, watchWebSockets } from './fixtures.js'

const env = useViewerTest()

it('continues the feed across a server restart with no duplicate and no gap', async () => {
  const room = 'restart-me'
  const page = await env.browser.newPage({ viewport: { width: 1280, height: 800 } })
  page.setDefaultTimeout(15_000)
  const sockets = watchWebSockets(page)
  await page.goto(`${env.server.url}/viewer/${room}`)
  await page.waitForSelector('#connection[data-status="live"]')

  const ada = await connectEditor(env, room, { name: 'Ada', color: '#3e63dd' })
  ada.text.insert(0, 'Before the restart.\n')
  await waitUntil('the viewer shows the first edit', async () => (await shownText(page)) === 'Before the restart.\n')
  const before = await feedIds(page)
  expect(before.length).toBeGreaterThanOrEqual(2) // join, edit

  // Down: the viewer must say so.
  await env.server.stop()
  await page.waitForSelector('#connection[data-status="reconnecting"]')
  expect((await badge(page)).text).toMatch(/^Reconnecting…/)
  await screenshot(page, 'viewer-reconnecting')
  // Ada keeps typing offline; her provider sends it when the server is back.
  ada.text.insert(ada.text.length, 'Typed while the server was down.\n')

  await env.server.restart()
  await page.waitForSelector('#connection[data-status="live"]')
  await waitUntil('Ada is synced again', () => ada.provider.synced && ada.provider.wsconnected)
  const bob = await connectEditor(env, room, { name: 'Bob', color: '#d6409f' })
  await waitUntil('Bob sees Ada’s text', () => bob.text.toString() === ada.text.toString())
  bob.text.insert(bob.text.length, 'Bob after the restart.')
  ada.text.delete(0, 7) // "Before "
  await waitUntil('the live text equals the editors’ text', async () => ada.text.toString() === bob.text.toString() && (await shownText(page)) === ada.text.toString())

  // Leaving flushes each editor's pending edit sums, so after both leaves the log is final.
  bob.destroy()
  ada.destroy()
  let log: Array<{ id: number; type: string }> = []
  await waitUntil('both leaves are stored', async () => {
    log = await storedLog(env.server, room)
    return log.filter((event) => event.type === 'leave').length >= 3 // Ada's at the shutdown, then Ada's and Bob's
  })
  const newest = log.at(-1)!.id
  await page.waitForSelector(`.events li.event[data-id="${newest}"]`)

  const shown = await feedIds(page)
  expect(new Set(shown).size).toBe(shown.length) // no duplicate
  // No gap. (Lines are newest first; an editing session's line stays where the session began.)
  const newestFirst = [...shown].sort((a, b) => b - a)
  expect(newestFirst).toEqual(log.map((event) => event.id).reverse())
  expect(newestFirst.slice(-before.length)).toEqual([...before].sort((a, b) => b - a)) // what was shown before the restart stayed
  expect(await badge(page)).toEqual({ status: 'live', text: 'Live' })
  expect(await shownText(page)).toBe('the restart.\nTyped while the server was down.\nBob after the restart.')
  expect(sockets).toEqual([])
  await screenshot(page, 'viewer-after-restart')
  await page.close()
})
