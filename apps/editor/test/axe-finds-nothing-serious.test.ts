/**
 * An automated accessibility scan (axe-core) of the editor (light and dark, with the Share menu
 * open and with the preview), the start page and the viewer (rooms and one room) finds no serious
 * or critical violation: contrast, names of controls, landmarks, ARIA.
 */
import { axeViolations, seriousViolations } from '@cowrite/testing'
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { openEditor, useEditorTest, waitForStatus } from './fixtures.js'

const env = useEditorTest()

async function expectNothingSerious(page: Page): Promise<void> {
  expect(seriousViolations(await axeViolations(page))).toEqual([])
}

for (const colorScheme of ['light', 'dark'] as const) {
  it(`the editor in ${colorScheme}: with text, the Share menu and the preview`, async () => {
    // A room of its own: the other scheme's page would be a remote caret here, whose label axe
    // may catch halfway through its fade (a contrast of the transition, not of the label).
    const { page } = await openEditor(env, `${env.server.url}/r/axe-editor-${colorScheme}`, 'Ada')
    await page.emulateMedia({ colorScheme })
    await waitForStatus(page, 'synced')
    await page.evaluate(() => (window as any).cowrite.markdownLoaded)
    await page.click('.cm-content')
    await page.keyboard.type('# Title\n\nSome *text* and `code`.\n')
    await page.fill('.title-input', 'Accessible')
    await expectNothingSerious(page)
    await page.click('.share-button')
    await expectNothingSerious(page)
    await page.keyboard.press('Escape')
    await page.click('.preview-toggle')
    await page.waitForSelector('#preview h1')
    await expectNothingSerious(page)
    await page.click('.preview-toggle')
  })
}

it('the start page', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/axe-start`, 'Ada')
  await page.goto(`${env.server.url}/`)
  await page.waitForSelector('.on-server .room-item')
  await expectNothingSerious(page)
})

it('the viewer: rooms and one room', async () => {
  await openEditor(env, `${env.server.url}/r/axe-viewed`, 'Ada')
  const viewer = await (await env.browser.newContext()).newPage()
  await viewer.goto(`${env.server.url}/viewer/`)
  await viewer.waitForSelector('tr[data-room="axe-viewed"]')
  await expectNothingSerious(viewer)
  await viewer.goto(`${env.server.url}/viewer/axe-viewed`)
  await viewer.waitForSelector('#connection[data-status="live"]')
  await expectNothingSerious(viewer)
})
