/**
 * Sharing under `--auth-secret`: the Share menu's edit link, copied and opened in a fresh browser
 * context, edits the room; its view-only link opens read-only; a view-only page offers only the
 * view-only link and says why. The token is kept on every way around the app (logo, start page,
 * its rooms), and the start page lists only the server's rooms the token covers.
 */
import { signToken } from '@cowrite/testing'
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { editorText, openEditor, screenshot, useEditorTest, waitForStatus, waitForText } from './fixtures.js'

const SECRET = 'share-test-secret'
const env = useEditorTest(['--auth-secret', SECRET])

/** Open the Share menu, copy the link with `role`, and read it back from the clipboard. */
async function copyLink(page: Page, role: 'edit' | 'view'): Promise<string> {
  if (await page.locator('.share-menu').isHidden()) await page.click('.share-button')
  await page.click(`.share-${role}`)
  await page.waitForSelector('.share-status[data-result="copied"]')
  const copied = await page.evaluate(() => navigator.clipboard.readText())
  expect(await page.inputValue('.share-url')).toBe(copied)
  return copied
}

it('an edit link edits the room in a fresh browser, a view-only link opens read-only', async () => {
  const room = 'shared-room'
  const context = await env.newContext({ viewport: { width: 1000, height: 640 } })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url })
  const owner = await context.newPage()
  await owner.goto(`${env.server.url}/r/${room}?token=${signToken(SECRET, room, 'edit', 'Owner')}`)
  await waitForStatus(owner, 'synced')
  await owner.click('.cm-content')
  await owner.keyboard.type('Hello.')

  const editLink = await copyLink(owner, 'edit')
  expect(editLink).toMatch(new RegExp(`^${env.server.url}/r/${room}\\?token=`))
  expect(await owner.textContent('.share-status')).toMatch(/^Edit link copied, valid until/)
  await screenshot(owner, 'share-menu')
  const viewLink = await copyLink(owner, 'view')
  expect(viewLink).not.toBe(editLink)
  await owner.keyboard.press('Escape')
  expect(await owner.locator('.share-menu').isHidden()).toBe(true)

  const { page: guest } = await openEditor(env, editLink, 'Guest')
  await waitForStatus(guest, 'synced')
  await waitForText(guest, 'Hello.')
  await guest.click('.cm-content')
  await guest.keyboard.press('End')
  await guest.keyboard.type(' From a guest.')
  await waitForText(owner, 'Hello. From a guest.')

  const { page: reader } = await openEditor(env, viewLink, 'Reader')
  await waitForStatus(reader, 'read-only')
  await waitForText(reader, 'Hello. From a guest.')
  await reader.click('.cm-content')
  await reader.keyboard.type('scribble')
  expect(await editorText(reader)).toBe('Hello. From a guest.')

  // The reader may pass on only what it has: a view-only link.
  await reader.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url })
  await reader.click('.share-button')
  expect(await reader.isDisabled('.share-edit')).toBe(true)
  expect(await reader.textContent('.share-menu')).toMatch(/view-only, so you can share view-only links only/)
  const passedOn = await copyLink(reader, 'view')
  const { page: third } = await openEditor(env, passedOn, 'Third')
  await waitForStatus(third, 'read-only')
})

it('keeps the token on the logo and the start page, which lists only the rooms the token covers', async () => {
  const teamToken = signToken(SECRET, 'team-*', 'edit', 'Ada')
  const { page } = await openEditor(env, `${env.server.url}/r/team-notes?token=${teamToken}`, 'Ada')
  await waitForStatus(page, 'synced')
  await openEditor(env, `${env.server.url}/r/private-elsewhere?token=${signToken(SECRET, 'private-elsewhere', 'edit', 'Zed')}`, 'Zed')

  await page.click('.brand')
  await page.waitForSelector('.on-server .room-item[data-room="team-notes"]')
  expect(new URL(page.url()).searchParams.get('token')).toBe(teamToken)
  expect(await page.locator('.on-server .room-item').count()).toBe(1)
  expect(new URL(await page.locator('.new-room').evaluate((link) => (link as HTMLAnchorElement).href)).searchParams.get('token')).toBe(teamToken)

  // Without a token the server refuses its list: the start page leaves that part out, quietly.
  await page.goto(`${env.server.url}/`)
  await page.waitForSelector('.recent .room-item[data-room="team-notes"]')
  await page.waitForLoadState('networkidle')
  expect(await page.locator('.on-server').isHidden()).toBe(true)
  // The recent room keeps the token it was opened with.
  await page.click('.recent .room-item[data-room="team-notes"] .room-link')
  await waitForStatus(page, 'synced')
  expect(new URL(page.url()).searchParams.get('token')).toBe(teamToken)
})

it('a refused page on a phone keeps its header to two rows, with "Try now" in reach', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/phone-denied`, 'Nobody', { width: 390, height: 844 })
  await waitForStatus(page, 'denied')
  await page.waitForSelector('.try-now:not([hidden])')
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
  const tryNow = (await page.locator('.try-now').boundingBox())!
  expect(tryNow.x + tryNow.width).toBeLessThanOrEqual(390)
  const title = (await page.locator('.heading').boundingBox())!
  expect(tryNow.y).toBeLessThan(title.y + title.height + tryNow.height)
})
