/**
 * Honest states (issue #18): a refused page neither invites nor accepts typing, and says why it
 * was refused (a token signed with another secret is "invalid", not "missing or expired"); a
 * view-only editor is not editable, so it shows no caret as if typing would work.
 */
import { signToken } from '@cowrite/testing'
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { editorText, openEditor, screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const SECRET = 'browser-test-secret'
const env = useEditorTest(['--auth-secret', SECRET])

async function expectNoTyping(page: Page): Promise<void> {
  expect(await page.getAttribute('.cm-content', 'contenteditable')).toBe('false')
  await page.click('.cm-content')
  await page.keyboard.type('typed anyway')
  expect(await editorText(page)).toBe('')
}

it('a page without a token says so, shows no invitation to write and takes no typing', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/locked-room`, 'Nobody')
  await waitForStatus(page, 'denied')
  expect(await page.textContent('.access-notice')).toMatch(/no token/)
  const placeholder = await page.textContent('.cm-placeholder')
  expect(placeholder).not.toMatch(/Start writing/)
  expect(placeholder).toMatch(/^Access denied: token required/)
  await expectNoTyping(page)
  await screenshot(page, 'denied-no-token')
})

it('a token signed with another secret is called invalid, not missing or expired', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/locked-room?token=${signToken('some-other-secret', 'locked-room', 'edit', 'Mallory')}`, 'Mallory')
  await waitForStatus(page, 'denied')
  const notice = await page.textContent('.access-notice')
  expect(notice).toMatch(/token is not valid \(token invalid\)/)
  expect(notice).not.toMatch(/expired/)
  expect(await page.textContent('.cm-placeholder')).toMatch(/^Access denied: token invalid/)
  await expectNoTyping(page)
})

it('a view token’s editor is not editable: no caret invites typing', async () => {
  const room = 'locked-view'
  const { page } = await openEditor(env, `${env.server.url}/r/${room}?token=${signToken(SECRET, room, 'view', 'Reader')}`, 'Reader')
  await waitForStatus(page, 'read-only')
  expect(await page.getAttribute('.cm-content', 'contenteditable')).toBe('false')
  expect(await page.getAttribute('.cm-content', 'aria-readonly')).toBe('true')
  await page.click('.cm-content')
  expect(await page.evaluate(() => (window as any).cowrite.view.hasFocus)).toBe(false)
  expect(await page.$$eval('.cm-cursor-primary', (cursors) => cursors.filter((cursor) => getComputedStyle(cursor).display !== 'none').length)).toBe(0)
})
