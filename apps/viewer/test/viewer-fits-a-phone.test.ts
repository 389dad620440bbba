/**
 * The viewer on a phone (390 px): the rooms table fits the screen (no sideways scrolling, the room
 * column readable) and a room's header stays on one row even with a long title (regression: it
 * wrapped to 3–4 lines); the title shows in the header and the room list.
 */
import { expect, it } from 'vitest'
import { connectEditor, screenshot, useViewerTest } from './fixtures.js'

const env = useViewerTest()
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 }

it('fits the rooms table and one-row room headers on a phone', async () => {
  const room = 'a-rather-long-room-name-for-a-phone'
  const ada = await connectEditor(env, room, { name: 'Ada', color: '#278457' })
  ada.doc.getMap('meta').set('title', 'Quarterly planning notes for the whole team')
  ada.text.insert(0, 'Agenda\n')
  const page = await (await env.browser.newContext(PHONE)).newPage()
  await page.goto(`${env.server.url}/viewer/`)
  await page.waitForSelector(`tr[data-room="${room}"] a:text("Quarterly planning notes for the whole team")`)
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
  const table = (await page.locator('table.rooms').boundingBox())!
  expect(table.x + table.width).toBeLessThanOrEqual(390)
  await screenshot(page, 'viewer-phone-rooms')

  await page.goto(`${env.server.url}/viewer/${room}`)
  await page.waitForSelector('.room-title:text("Quarterly planning notes for the whole team")')
  const header = (await page.locator('header.top').boundingBox())!
  const back = (await page.locator('header.top .back').boundingBox())!
  // One row: the header is no taller than its tallest part (the title with the room name under it) and its padding.
  const heading = (await page.locator('header.top .heading').boundingBox())!
  expect(header.height).toBeLessThanOrEqual(Math.max(heading.height, back.height) + 24)
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
  await screenshot(page, 'viewer-phone-room')
})
