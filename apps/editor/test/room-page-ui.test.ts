import { expect, it } from 'vitest'
import { openEditor, screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const env = useEditorTest()

it('clicking someone in the presence bar scrolls to their cursor', async () => {
  const room = 'presence-scroll'
  const { page: ada } = await openEditor(env, `${env.server.url}/r/${room}`, 'Ada')
  const { page: bob } = await openEditor(env, `${env.server.url}/r/${room}`, 'Bob')
  await Promise.all([waitForStatus(ada, 'synced'), waitForStatus(bob, 'synced')])

  // Bob writes a long document and stays at its end; Ada stays at the top.
  await bob.click('.cm-content')
  await bob.evaluate(() => {
    const { view } = (window as any).cowrite
    const lines = Array.from({ length: 200 }, (_, i) => `Line ${i + 1} of a long document.`).join('\n')
    view.dispatch({ changes: { from: 0, insert: lines }, selection: { anchor: lines.length } })
  })
  await ada.waitForFunction(() => (window as any).cowrite.view.state.doc.lines === 200)
  await ada.evaluate(() => (window as any).cowrite.view.scrollDOM.scrollTo(0, 0))
  const caret = ada.locator('.cm-ySelectionInfo:text("Bob")')
  await ada.waitForFunction(() => (window as any).cowrite.view.scrollDOM.scrollTop === 0)
  expect(await caret.isVisible()).toBe(false)

  await ada.click('.presence .peer:has-text("Bob")')
  await caret.waitFor({ state: 'visible' })
  const box = (await caret.boundingBox())!
  expect(box.y).toBeGreaterThan(0)
  expect(box.y).toBeLessThan(640)
  await screenshot(ada, 'presence-scrolled-to-bob')
}, 90_000)

it('on a phone in dark mode: nothing overflows sideways, the pill and the Share button stay visible, Share copies the room URL', async () => {
  const context = await env.newContext({ viewport: { width: 390, height: 844 }, colorScheme: 'dark', hasTouch: true, isMobile: true, deviceScaleFactor: 2 })
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url })
  const page = await context.newPage()
  await page.goto(`${env.server.url}/r/a-rather-long-room-name-on-a-small-phone-screen`)
  await waitForStatus(page, 'synced')
  await page.click('.cm-content')
  // Enter continues a Markdown list by itself, so the second item needs no "- ".
  await page.keyboard.type('# Shopping list\n\n- **milk**\n*bread* and [jam](https://example.org)\n')
  await screenshot(page, 'phone-dark')

  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true)
  for (const selector of ['#connection', '.share-button', '.title-input', '.room-name', '.name-input']) {
    const box = (await page.locator(selector).boundingBox())!
    expect(box.x, selector).toBeGreaterThanOrEqual(0)
    expect(box.x + box.width, selector).toBeLessThanOrEqual(390)
  }
  // Dark scheme: a dark editor background.
  const background = await page.evaluate(() => getComputedStyle(document.querySelector('.cm-editor')!).backgroundColor)
  expect(background).toBe('rgb(28, 29, 33)')

  await page.click('.share-button')
  await page.click('.share-edit')
  await page.waitForSelector('.share-status[data-result="copied"]')
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(`${env.server.url}/r/a-rather-long-room-name-on-a-small-phone-screen`)
  await context.close()
}, 90_000)
