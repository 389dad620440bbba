/**
 * Layout (issue #18): the editor fills the window's height on a desktop and on a phone, even with
 * an empty document (regression: a hidden notice left the editor a row only as tall as its text);
 * offline on a phone the header stays at two rows and the presence bar does not claim you are alone; a presence bar wider than the phone fades out
 * where it scrolls on; remote caret labels show while their person is active and then step aside,
 * and their white text meets 4.5:1 on every user colour.
 */
import { contrast, createStockClient, waitUntil } from '@cowrite/testing'
import { USER_COLORS } from '@cowrite/client'
import type { Page } from 'playwright-core'
import { describe, expect, it } from 'vitest'
import { openEditor, screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const env = useEditorTest()

const PHONE = { width: 390, height: 844 }

/** The page's column, top to bottom: each part's top and bottom, and the window's height. */
function column(page: Page) {
  return page.evaluate(() => {
    const box = (selector: string) => {
      const rect = document.querySelector(selector)!.getBoundingClientRect()
      return { top: Math.round(rect.top), bottom: Math.round(rect.bottom) }
    }
    return { window: window.innerHeight, scroll: document.documentElement.scrollHeight, editor: box('.cm-editor'), footer: box('.statusbar') }
  })
}

/** How many rows the header's parts sit on: a part starting below the current row's bottom starts a new one. */
function headerRows(page: Page): Promise<number> {
  return page.evaluate(() => {
    const boxes = [...document.querySelector('.topbar')!.children].map((child) => child.getBoundingClientRect()).sort((a, b) => a.top - b.top)
    let rows = 0
    let bottom = -Infinity
    for (const box of boxes) {
      if (box.top >= bottom) rows++
      bottom = Math.max(box.top >= bottom ? box.bottom : bottom, box.bottom)
    }
    return rows
  })
}

for (const [device, size] of [
  ['desktop', { width: 1280, height: 800 }],
  ['phone', PHONE],
] as const) {
  it(`gives the editor the window's height on a ${device}, with an empty document`, async () => {
    const { page } = await openEditor(env, `${env.server.url}/r/layout-${device}`, 'Ada', size)
    await waitForStatus(page, 'synced')
    const parts = await column(page)
    expect(parts.scroll).toBe(size.height)
    expect(parts.footer.bottom).toBe(size.height)
    expect(parts.editor.bottom).toBe(parts.footer.top)
    expect(parts.editor.bottom - parts.editor.top).toBeGreaterThan(size.height * 0.6)
  })
}

it('keeps the phone header to two rows when offline, and fades the presence bar where it scrolls on', async () => {
  const room = 'layout-crowded'
  const { context, page } = await openEditor(env, `${env.server.url}/r/${room}`, 'Ada Lovelace', PHONE)
  page.setDefaultTimeout(5000)
  await waitForStatus(page, 'synced')
  const online = (await page.locator('.topbar').boundingBox())!.height
  for (const name of ['Grace Hopper', 'Katherine Johnson', 'Margaret Hamilton', 'Barbara Liskov']) {
    const client = createStockClient(env.server.wsUrl, room, { user: { name, color: USER_COLORS[1]! } })
    env.defer(() => client.destroy())
    await waitUntil(`${name} is synced`, () => client.provider.synced, { on: [[client.provider, 'sync']] })
  }
  await page.waitForSelector('.presence.more-after')
  await page.locator('.presence').evaluate((bar) => bar.scrollTo({ left: bar.scrollWidth }))
  await page.waitForSelector('.presence.more-before:not(.more-after)')

  // Offline: Playwright's offline mode leaves loopback sockets open, so this one is closed too.
  await context.setOffline(true)
  await page.evaluate(() => (window as any).cowrite.session.provider.ws?.close())
  await waitForStatus(page, 'offline')
  // Nobody else can be seen now, which is not nobody being there.
  await page.waitForSelector('.alone:text("Others show here once you are connected")')
  const offline = (await page.locator('.topbar').boundingBox())!.height
  expect(offline).toBe(online)
  expect(await headerRows(page)).toBe(2)
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
  await screenshot(page, 'layout-phone-offline')

  await context.setOffline(false)
})

describe('remote caret labels', () => {
  it('show while their person is active, then step aside', async () => {
    const { page: ada } = await openEditor(env, `${env.server.url}/r/layout-labels`, 'Ada')
    const { page: bob } = await openEditor(env, `${env.server.url}/r/layout-labels`, 'Bob')
    await Promise.all([waitForStatus(ada, 'synced'), waitForStatus(bob, 'synced')])
    ada.setDefaultTimeout(5000)
    await bob.click('.cm-content')
    await bob.keyboard.type('First line\nSecond line')
    const label = ada.locator('.cm-ySelectionInfo:text("Bob")')
    await label.waitFor()
    await ada.waitForFunction(() => getComputedStyle(document.querySelector('.cm-ySelectionInfo')!).opacity === '1')
    // Idle: the label fades and no longer covers the line above.
    await ada.waitForFunction(() => getComputedStyle(document.querySelector('.cm-ySelectionInfo')!).opacity === '0', undefined, { timeout: 10_000 })
    await bob.keyboard.type('!')
    await ada.waitForFunction(() => getComputedStyle(document.querySelector('.cm-ySelectionInfo')!).opacity === '1')
  })

  it('have white text at 4.5:1 or more on every user colour', () => {
    const failing = USER_COLORS.filter((color) => contrast(color, '#ffffff') < 4.5)
    expect(failing).toEqual([])
  })
})
