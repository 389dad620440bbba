/**
 * A token names its holder (issue #18): the editor shows the token's `name` as this person's
 * name, to themselves and to everyone in the room, and does not let them type another one over
 * it, whatever name this browser remembered.
 */
import { signToken } from '@cowrite/testing'
import { expect, it } from 'vitest'
import { openEditor, screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const SECRET = 'browser-test-secret'
const env = useEditorTest(['--auth-secret', SECRET])

it('shows the token’s name, not the remembered one, and keeps it from being edited', async () => {
  const room = 'token-names'
  const { page: ada } = await openEditor(env, `${env.server.url}/r/${room}?token=${signToken(SECRET, room, 'edit', 'Ada')}`, 'Remembered Name')
  const { page: grace } = await openEditor(env, `${env.server.url}/r/${room}?token=${signToken(SECRET, room, 'view', 'Grace')}`, 'Someone Else')
  await Promise.all([waitForStatus(ada, 'synced'), waitForStatus(grace, 'read-only')])

  expect(await ada.inputValue('.name-input')).toBe('Ada')
  expect(await ada.isDisabled('.name-input')).toBe(true)
  expect(await ada.getAttribute('.name-input', 'title')).toMatch(/set by the link/)
  expect(await ada.evaluate(() => (window as any).cowrite.session.user.name)).toBe('Ada')
  // Presence: the others see the token's name.
  await grace.waitForSelector('.peer-name:text-is("Ada")', { timeout: 15_000 })
  await ada.waitForSelector('.peer-name:text-is("Grace")', { timeout: 15_000 })
  expect(await grace.inputValue('.name-input')).toBe('Grace')
  // The remembered name is still this browser's own for links without a name.
  expect(await ada.evaluate(() => JSON.parse(localStorage.getItem('cowrite.user')!).name)).toBe('Remembered Name')
  await screenshot(ada, 'token-name-ada')
})
