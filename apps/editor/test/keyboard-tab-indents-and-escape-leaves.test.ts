/**
 * Keyboard (issue #18): Tab indents inside the editor; a visible hint, which the editor's content
 * names as its description, says Escape then Tab leaves it, and that works; the pill's "try now"
 * is a real button the keyboard reaches.
 */
import { signToken } from '@cowrite/testing'
import { expect, it } from 'vitest'
import { editorText, openEditor, useEditorTest, waitForStatus } from './fixtures.js'

const SECRET = 'browser-test-secret'
const env = useEditorTest(['--auth-secret', SECRET])

it('Tab indents, Escape then Tab leaves the editor, and the hint says so', async () => {
  const room = 'keyboard-tab'
  const { page } = await openEditor(env, `${env.server.url}/r/${room}?token=${signToken(SECRET, room, 'edit', 'Keys')}`, 'Keys')
  await waitForStatus(page, 'synced')
  await page.click('.cm-content')
  await page.keyboard.type('item')
  await page.keyboard.press('Tab')
  expect(await editorText(page)).toMatch(/^\s+item$/)
  expect(await page.evaluate(() => (window as any).cowrite.view.hasFocus)).toBe(true)

  const hintId = await page.getAttribute('.cm-content', 'aria-describedby')
  expect(hintId).toBeTruthy()
  const hint = page.locator(`#${hintId}`)
  expect(await hint.isVisible()).toBe(true)
  expect(await hint.textContent()).toMatch(/Escape, then Tab/)

  const indented = await editorText(page)
  await page.keyboard.press('Escape')
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => (window as any).cowrite.view.hasFocus)).toBe(false)
  expect(await editorText(page)).toBe(indented)
})

it('“Try now” is a button the keyboard reaches, and Enter on it asks the server again', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/keyboard-denied`, 'Keys')
  await waitForStatus(page, 'denied')
  const checks: string[] = []
  page.on('request', (request) => {
    if (new URL(request.url()).pathname === '/api/rooms/keyboard-denied') checks.push(request.url())
  })
  await page.focus('.history-link')
  await page.keyboard.press('Tab')
  expect(await page.evaluate(() => [document.activeElement?.tagName, document.activeElement?.textContent])).toEqual(['BUTTON', 'Try now'])
  await page.keyboard.press('Enter')
  await page.waitForFunction(() => document.querySelector('#connection')?.getAttribute('data-status') !== 'denied', undefined, { timeout: 5000 }).catch(() => {})
  await waitForStatus(page, 'denied')
  expect(checks.length).toBeGreaterThanOrEqual(1)
})
