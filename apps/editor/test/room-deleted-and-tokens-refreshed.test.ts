/**
 * The editor in Chromium, under auth, as rooms are deleted and tokens expire:
 * - a room deleted while it is open says so plainly (4404: no retrying), the viewer's banner says
 *   so too, and reopening the name starts an empty room (the offline copy went with it);
 * - with `?tokenEndpoint=`, a token that expires while the editor is open is replaced from the
 *   endpoint without a reload, and everything typed around the switch is stored;
 * - the History link opens the viewer's History panel for the room.
 */
import { execFileSync } from 'node:child_process'
import { COWRITE_BIN, waitUntil } from '@cowrite/testing'
import { expect, it } from 'vitest'
import { editorText, openEditor, useEditorTest, waitForStatus } from './fixtures.js'

const SECRET = 'refresh-and-delete'
const env = useEditorTest(['--auth-secret', SECRET])

/** `cowrite token` for `room`, `role`, living `ttl` seconds. */
function mint(room: string, role: 'admin' | 'edit' | 'view', name: string, ttl = 3600): string {
  return execFileSync(process.execPath, [COWRITE_BIN, 'token', '--room', room, '--role', role, '--name', name, '--ttl', String(ttl), '--auth-secret', SECRET], {
    encoding: 'utf8',
  }).trim()
}

async function storedText(room: string): Promise<string> {
  return (await fetch(`${env.server.url}/api/rooms/${room}/text`, { headers: { Authorization: `Bearer ${mint(room, 'view', 'Check')}` } })).text()
}

it('says plainly that an open room was deleted, and its name starts empty again', async () => {
  const room = 'to-be-deleted'
  const token = mint(room, 'edit', 'Ada')
  const { context, page } = await openEditor(env, `${env.server.url}/r/${room}?token=${token}`, 'Ada')
  await waitForStatus(page, 'synced')
  await page.click('.cm-content')
  await page.keyboard.type('Soon gone.')
  await waitUntil('stored', async () => (await storedText(room)) === 'Soon gone.')
  // This context serves the editor's test build for every page: the viewer opens in a plain one.
  const viewer = await env.browser.newPage()
  await viewer.goto(`${env.server.url}/viewer/${room}?token=${token}`)
  await viewer.waitForSelector('#connection[data-status="live"]')

  const answer = await fetch(`${env.server.url}/api/rooms/${room}`, { method: 'DELETE', headers: { Authorization: `Bearer ${mint(room, 'admin', 'Admin')}` } })
  expect(answer.status).toBe(200)
  await waitForStatus(page, 'denied')
  expect(await page.textContent('.access-notice')).toMatch(/This room was deleted/)
  await viewer.waitForFunction(() => document.querySelector('.banner:not([hidden])')?.textContent?.includes('deleted this room'))

  // The same name, opened again in the same browser: an empty room, not the old text.
  await page.reload()
  await waitForStatus(page, 'synced')
  expect(await editorText(page)).toBe('')
  expect(await storedText(room)).toBe('')
  await viewer.close()
  await context.close()
})

it('replaces an expiring token from ?tokenEndpoint= without a reload, losing no keystroke', async () => {
  const room = 'refreshing'
  const context = await env.newContext({ viewport: { width: 1000, height: 640 } })
  const served: string[] = []
  // The self-hoster's endpoint, same origin: the first token lives 3 seconds, later ones an hour.
  await context.route('**/auth/cowrite-token?room=refreshing', async (route) => {
    const fresh = mint(room, 'edit', 'Ada', served.length === 0 ? 3 : 3600)
    served.push(fresh)
    await route.fulfill({ status: 200, contentType: 'text/plain', body: fresh })
  })
  const page = await context.newPage()
  await page.goto(`${env.server.url}/r/${room}?tokenEndpoint=/auth/cowrite-token`)
  await waitForStatus(page, 'synced')
  await page.click('.cm-content')
  const started = Date.now()
  let typed = ''
  // Type through the expiry (3 s) and the reconnect with the next token.
  while (Date.now() - started < 6000) {
    await page.keyboard.type('x')
    typed += 'x'
  }
  await waitForStatus(page, 'synced')
  await waitUntil('everything typed is stored', async () => (await storedText(room)) === typed, { timeoutMs: 15_000 })
  // The endpoint was asked again after the first token expired, and the page uses its answer.
  expect(served.length).toBeGreaterThanOrEqual(2)
  expect(await page.evaluate(() => (window as any).cowrite.session.token)).toBe(served.at(-1))
  expect(await page.isVisible('.access-notice')).toBe(false)
  await context.close()
})

it('links to the viewer’s History panel for the room', async () => {
  const room = 'history-link'
  const token = mint(room, 'edit', 'Ada')
  const { context, page } = await openEditor(env, `${env.server.url}/r/${room}?token=${token}`, 'Ada')
  await waitForStatus(page, 'synced')
  expect(await page.getAttribute('.history-link', 'href')).toBe(`/viewer/${room}?history&token=${encodeURIComponent(token)}`)
  // This context serves the editor's test build for every page: the viewer opens in a plain one.
  const viewer = await env.browser.newPage()
  await viewer.goto(`${env.server.url}${await page.getAttribute('.history-link', 'href')}`)
  await viewer.waitForSelector('[role="tab"][aria-selected="true"]:text("History")')
  await viewer.close()
  await context.close()
})
