/**
 * The document's title (`meta` map, key `title`) is edited together: typed on one page it shows
 * on the other, in both browser tabs, in the viewer's header (from its live replica) and in the
 * viewer's rooms list (the server's summary); emptied, the field shows its placeholder and the tab
 * the room's name again. A view-only page cannot change it.
 */
import { signToken } from '@cowrite/testing'
import { expect, it } from 'vitest'
import { openEditor, useEditorTest, waitForStatus } from './fixtures.js'

const SECRET = 'title-test-secret'
const env = useEditorTest(['--auth-secret', SECRET])
const token = (role: 'edit' | 'view', name: string) => signToken(SECRET, 'titled-room', role, name)

it('syncs between pages and shows in the tab and the viewer; a view-only page cannot change it', async () => {
  const url = `${env.server.url}/r/titled-room?token=`
  const { page: ada } = await openEditor(env, url + token('edit', 'Ada'), 'Ada')
  const { page: bob } = await openEditor(env, url + token('view', 'Bob'), 'Bob')
  await Promise.all([waitForStatus(ada, 'synced'), waitForStatus(bob, 'read-only')])
  expect(await ada.getAttribute('.title-input', 'placeholder')).toBe('Untitled')
  expect(await ada.title()).toBe('titled-room · Cowrite')

  await ada.click('.title-input')
  await ada.keyboard.type('Meeting notes')
  await bob.waitForFunction(() => (document.querySelector('.title-input') as HTMLInputElement).value === 'Meeting notes')
  await bob.waitForFunction(() => document.title === 'Meeting notes · Cowrite')
  expect(await ada.title()).toBe('Meeting notes · Cowrite')

  // Bob's token is view-only: the field is read-only and his typing changes nothing.
  expect(await bob.getAttribute('.title-input', 'readonly')).not.toBeNull()
  await bob.click('.title-input')
  await bob.keyboard.type(' by Bob')
  expect(await bob.inputValue('.title-input')).toBe('Meeting notes')

  // The viewer, as the server serves it, reads the title from its replica and from the summaries.
  const viewer = await (await env.browser.newContext()).newPage()
  await viewer.goto(`${env.server.url}/viewer/titled-room?token=${token('view', 'Watcher')}`)
  await viewer.waitForFunction(() => document.querySelector('.room-title')?.textContent === 'Meeting notes')
  expect(await viewer.title()).toBe('Meeting notes · Cowrite viewer')
  await viewer.goto(`${env.server.url}/viewer/?token=${signToken(SECRET, '*', 'view', 'Watcher')}`)
  await viewer.waitForSelector('tr[data-room="titled-room"] a:text("Meeting notes")')

  // Enter goes back to the text; emptied, the placeholder and the room's name come back.
  await ada.fill('.title-input', '')
  await bob.waitForFunction(() => document.title === 'titled-room · Cowrite')
  await ada.click('.title-input')
  await ada.keyboard.press('Enter')
  expect(await ada.evaluate(() => document.activeElement?.classList.contains('cm-content'))).toBe(true)
})
