/**
 * The viewer says what people did as editing sessions, not one line per second: a person's edits
 * with short pauses are one line ("Ada edited for 3 s, +48 −0") that grows in place, and leaving
 * ends it. The live text marks the line being edited in the editor's colour, naming them, and the
 * mark fades once they stop.
 */
import { waitUntil } from '@cowrite/testing'
import { expect, it } from 'vitest'
import { connectEditor, feedIds, feedTexts, screenshot, storedLog, useViewerTest } from './fixtures.js'

const env = useViewerTest()

it('groups a person’s edits into one session line and marks where they edit', async () => {
  const room = 'sessions'
  const page = await (await env.browser.newContext({ viewport: { width: 1280, height: 800 } })).newPage()
  await page.goto(`${env.server.url}/viewer/${room}`)
  await page.waitForSelector('#connection[data-status="live"]')
  const ada = await connectEditor(env, room, { name: 'Ada', color: '#8e4ec6' })
  ada.text.insert(0, 'First line\nSecond line\nThird line\n')

  // Three bursts of typing, each more than a second apart: several stored edit events.
  for (const [index, words] of ['one ', 'two ', 'three '].entries()) {
    await waitUntil(`edit ${index + 1} is stored`, async () => (await storedLog(env.server, room)).filter((event) => event.type === 'edit').length >= index + 1)
    ada.text.insert(ada.text.toString().indexOf('Second line'), words)
  }
  await waitUntil('every edit is stored', async () => (await storedLog(env.server, room)).filter((event) => event.type === 'edit').length >= 4)
  await waitUntil('the session line has every edit', async () => /^Ada edited for \d+ s, \+48 −0$/.test((await feedTexts(page))[0] ?? ''))
  expect(await feedTexts(page)).toEqual([expect.stringMatching(/^Ada edited for/), 'Ada joined'])

  // The line Ada typed in is marked in her colour, and names her.
  const mark = page.locator('#live-text .cm-line.cm-being-edited', { hasText: 'Second line' })
  await mark.waitFor()
  expect(await mark.getAttribute('title')).toBe('Ada is editing here')
  expect(await mark.evaluate((line) => getComputedStyle(line).getPropertyValue('--editor-color').trim())).toBe('#8e4ec6')
  await screenshot(page, 'viewer-sessions')
  // She stops: the mark fades.
  await page.waitForFunction(() => document.querySelectorAll('#live-text .cm-being-edited').length === 0, undefined, { timeout: 10_000 })

  // Leaving ends the session: editing again starts a new line. Every stored event is shown once.
  ada.destroy()
  const bob = await connectEditor(env, room, { name: 'Ada', color: '#8e4ec6' })
  bob.text.insert(0, 'Again. ')
  await waitUntil('the new session shows', async () => (await feedTexts(page))[0] === 'Ada typed 7 characters')
  const log = await storedLog(env.server, room)
  await waitUntil('the feed has every stored event', async () => (await feedIds(page)).length === log.length)
  expect(await feedIds(page)).toEqual(log.map((event) => event.id).reverse())
})
