/**
 * Tokens in the browser: the editor passes `?token=` through; a `view` token shows "Read-only"
 * and typing changes nothing, while an `edit` token's text reaches it; a token for another room
 * is shown plainly as denied.
 */
import { execFileSync } from 'node:child_process'
import type { Browser } from 'playwright-core'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { REPO, assertBuilt, editorText, launchBrowser, openEditor, screenshot, startServer, waitForStatus, type ServerProcess } from './fixtures.js'

const SECRET = 'browser-test-secret'
let server: ServerProcess
let browser: Browser

function token(room: string, role: 'edit' | 'view', name: string): string {
  return execFileSync(process.execPath, [`${REPO}packages/server/bin/cowrite.js`, 'token', '--room', room, '--role', role, '--name', name, '--auth-secret', SECRET]).toString().trim()
}

beforeAll(async () => {
  assertBuilt()
  server = await startServer(0, ['--auth-secret', SECRET])
  browser = await launchBrowser()
}, 60_000)

afterAll(async () => {
  await browser?.close()
  await server?.stop()
})

it('a view token reads along but cannot type; an edit token writes', async () => {
  const room = 'tokens-read-only'
  const { page: writer } = await openEditor(browser, `${server.url}/r/${room}?token=${token(room, 'edit', 'Writer')}`, 'Writer')
  const { page: reader } = await openEditor(browser, `${server.url}/r/${room}?token=${token(room, 'view', 'Reader')}`, 'Reader')
  await Promise.all([waitForStatus(writer, 'synced'), waitForStatus(reader, 'read-only')])
  expect(await reader.textContent('#connection')).toBe('Read-only')

  await writer.click('.cm-content')
  await writer.keyboard.type('Written by the editor.')
  await reader.waitForFunction(() => (window as any).cowrite.view.state.doc.toString() === 'Written by the editor.', undefined, { timeout: 15_000 })

  await reader.click('.cm-content')
  await reader.keyboard.type('Reader scribbles')
  expect(await editorText(reader)).toBe('Written by the editor.')
  expect(await reader.getAttribute('.cm-content', 'aria-readonly')).toBe('true')
  const stored = await fetch(`${server.url}/api/rooms/${room}/text?token=${token(room, 'view', 'Check')}`)
  expect(await stored.text()).toBe('Written by the editor.')
  await screenshot(reader, 'tokens-1-read-only')
})

it('a token for another room is shown as denied, without retrying', async () => {
  const { page } = await openEditor(browser, `${server.url}/r/secret-room?token=${token('other-room', 'edit', 'Stranger')}`, 'Stranger')
  await waitForStatus(page, 'denied')
  expect(await page.textContent('#connection')).toMatch(/denied/i)
  expect(await page.textContent('.access-notice')).toMatch(/does not give access to this room/)
  await screenshot(page, 'tokens-2-denied')
  const { page: missing } = await openEditor(browser, `${server.url}/r/secret-room`, 'Nobody')
  await waitForStatus(missing, 'denied')
  expect(await missing.textContent('.access-notice')).toMatch(/no token, or it has expired/)
})
