import { expect, it } from 'vitest'
import { openEditor, screenshot, useEditorTest, waitForStatus, waitForText } from './fixtures.js'

const env = useEditorTest()

it('while the server is down the pill says reconnecting; an edit made meanwhile reaches the other page once it is back', async () => {
  const room = 'restart-resync'
  const { page: ada } = await openEditor(env, `${env.server.url}/r/${room}`, 'Ada')
  const { page: bob } = await openEditor(env, `${env.server.url}/r/${room}`, 'Bob')
  await Promise.all([waitForStatus(ada, 'synced'), waitForStatus(bob, 'synced')])
  await ada.click('.cm-content')
  await ada.keyboard.type('Before the outage. ')
  await waitForText(bob, 'Before the outage. ')
  await bob.waitForSelector('.presence .peer:has-text("Ada")')
  await screenshot(ada, 'restart-1-connected')

  await env.server.stop()

  // Both pages notice and count down to their next attempt.
  await Promise.all([waitForStatus(ada, 'reconnecting'), waitForStatus(bob, 'reconnecting')])
  expect(await ada.textContent('#connection')).toMatch(/^Reconnecting in \d+ s…$/)
  // Ada's presence chip is gone from Bob's bar while nobody relays it.
  await bob.waitForSelector('.presence .alone')

  // Ada keeps writing while the server is down; the edit stays local for now.
  await ada.keyboard.type('Written during the outage.')
  const expected = 'Before the outage. Written during the outage.'
  await waitForText(ada, expected)
  await screenshot(ada, 'restart-2-reconnecting')
  expect(await bob.evaluate(() => (window as any).cowrite.view.state.doc.toString())).toBe('Before the outage. ')

  // The server returns on the same port (memory storage: it starts empty, the pages hold the text).
  await env.server.restart()
  await Promise.all([waitForStatus(ada, 'synced', 45_000), waitForStatus(bob, 'synced', 45_000)])
  await waitForText(bob, expected)
  expect(await ada.textContent('#connection')).toBe('Connected')
  // Presence comes back at once, without waiting for an awareness renewal.
  await bob.waitForSelector('.presence .peer:has-text("Ada")', { timeout: 5000 })
  await bob.waitForSelector('.cm-ySelectionInfo:text("Ada")', { timeout: 5000 })
  await screenshot(bob, 'restart-3-bob-after-return')
  await screenshot(ada, 'restart-4-ada-after-return')

  // And the server itself has the text.
  const text = await (await fetch(`${env.server.url}/api/rooms/${room}/text`)).text()
  expect(text).toBe(expected)
}, 120_000)
