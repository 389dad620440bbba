/**
 * `/`: a first visit goes straight to a new room (the README's promise); once this browser has
 * opened rooms, `/` is a start page with "New room", this browser's recent rooms (title, room name,
 * when) and the server's list. The viewer is one link away from a room, and back.
 */
import { expect, it } from 'vitest'
import { createStockClient, waitUntil } from '@cowrite/testing'
import { openEditor, screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const env = useEditorTest()

it('goes straight to a new room the first time, and shows the start page after', async () => {
  const { page } = await openEditor(env, `${env.server.url}/`, 'Ada')
  expect(new URL(page.url()).pathname).toMatch(/^\/r\/[a-z]+-[a-z]+-\d+$/)
  const room = decodeURIComponent(new URL(page.url()).pathname.slice(3))
  await waitForStatus(page, 'synced')
  await page.fill('.title-input', 'Trip plans')
  await page.waitForFunction(() => document.title === 'Trip plans · Cowrite')

  // Another room on the server that this browser never opened.
  const other = createStockClient(env.server.wsUrl, 'server-only', { user: { name: 'Bob', color: '#30a46c' } })
  env.defer(() => other.destroy())
  await waitUntil('Bob is synced', () => other.provider.synced, { on: [[other.provider, 'sync']] })
  other.doc.getText('content').insert(0, 'elsewhere')

  await page.goto(`${env.server.url}/`)
  await page.waitForSelector('.start')
  expect(new URL(page.url()).pathname).toBe('/')
  expect(await page.textContent('.new-room')).toBe('New room')
  const recent = page.locator(`.recent .room-item[data-room="${room}"]`)
  expect(await recent.locator('.room-link').textContent()).toBe('Trip plans')
  expect(await recent.locator('.room-details').textContent()).toMatch(new RegExp(`^${room} · just now$`))
  await page.waitForSelector('.on-server .room-item[data-room="server-only"]')
  expect(await page.locator('.recent .room-item').count()).toBe(1)
  await screenshot(page, 'start-page')

  await recent.locator('.room-link').click()
  await page.waitForURL(`**/r/${room}`)
  await page.waitForFunction(() => (document.querySelector('.title-input') as HTMLInputElement | null)?.value === 'Trip plans')

  await page.click('.brand')
  await page.waitForSelector('.start')
  await page.click('.new-room')
  await page.waitForURL(/\/r\/[a-z]+-[a-z]+-\d+$/)
  expect(decodeURIComponent(new URL(page.url()).pathname.slice(3))).not.toBe(room)
})

it('a forgotten room leaves the recent list, and the last one gone leaves the start page empty', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/forget-me`, 'Ada')
  await page.goto(`${env.server.url}/`)
  await page.waitForSelector('.recent .room-item[data-room="forget-me"]')
  await page.click('.recent .room-item[data-room="forget-me"] .forget')
  expect(await page.locator('.recent').isHidden()).toBe(true)
})

it('links a room to its activity in the viewer, and the viewer back to the room', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/watched-room`, 'Ada')
  expect(await page.getAttribute('.activity-link', 'href')).toBe('/viewer/watched-room')
  // The viewer as the server serves it (the test build routing serves only the editor's pages).
  const viewer = await (await env.browser.newContext()).newPage()
  await viewer.goto(`${env.server.url}/viewer/watched-room`)
  await viewer.click('a:text("Open in editor")')
  await viewer.waitForURL('**/r/watched-room')
  await viewer.waitForSelector('.cm-content')
})
