/**
 * Tokens in the browser: the editor passes `?token=` through; a `view` token shows "Read-only"
 * and typing changes nothing, while an `edit` token's text reaches it; a token for another room
 * is shown plainly as denied.
 */
import { signToken } from '@cowrite/testing'
import { expect, it } from 'vitest'
import { editorText, openEditor, screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const SECRET = 'browser-test-secret'

const token = (room: string, role: 'edit' | 'view', name: string) => signToken(SECRET, room, role, name)

const env = useEditorTest(['--auth-secret', SECRET])

it('a view token reads along but cannot type; an edit token writes', async () => {
  const room = 'tokens-read-only'
  const { page: writer } = await openEditor(env, `${env.server.url}/r/${room}?token=${token(room, 'edit', 'Writer')}`, 'Writer')
  const { page: reader } = await openEditor(env, `${env.server.url}/r/${room}?token=${token(room, 'view', 'Reader')}`, 'Reader')
  await Promise.all([waitForStatus(writer, 'synced'), waitForStatus(reader, 'read-only')])
  expect(await reader.textContent('#connection')).toBe('Read-only')

  await writer.click('.cm-content')
  await writer.keyboard.type('Written by the editor.')
  await reader.waitForFunction(() => (window as any).cowrite.view.state.doc.toString() === 'Written by the editor.', undefined, { timeout: 15_000 })

  await reader.click('.cm-content')
  await reader.keyboard.type('Reader scribbles')
  expect(await editorText(reader)).toBe('Written by the editor.')
  expect(await reader.getAttribute('.cm-content', 'aria-readonly')).toBe('true')
  const stored = await fetch(`${env.server.url}/api/rooms/${room}/text?token=${token(room, 'view', 'Check')}`)
  expect(await stored.text()).toBe('Written by the editor.')
  await screenshot(reader, 'tokens-1-read-only')
})

it('a token for another room is shown as denied, without retrying', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/secret-room?token=${token('other-room', 'edit', 'Stranger')}`, 'Stranger')
  await waitForStatus(page, 'denied')
  expect(await page.textContent('#connection')).toMatch(/denied/i)
  expect(await page.textContent('.access-notice')).toMatch(/does not give access to this room/)
  await screenshot(page, 'tokens-2-denied')
  const { page: missing } = await openEditor(env, `${env.server.url}/r/secret-room`, 'Nobody')
  await waitForStatus(missing, 'denied')
  expect(await missing.textContent('.access-notice')).toMatch(/no token, or it has expired/)
})
