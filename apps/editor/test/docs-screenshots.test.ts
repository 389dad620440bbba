/**
 * The screenshots in docs/screenshots/, taken in Chromium from a real server: the start page, the
 * editor (light, dark, phone), the Share menu, the preview and the viewer. Run on purpose, not in
 * every test run: `COWRITE_SCREENSHOTS=1 node_modules/.bin/vitest run apps/editor/test/docs-screenshots.test.ts`.
 */
import { mkdirSync } from 'node:fs'
import { REPO } from '@cowrite/testing'
import type { Page } from 'playwright-core'
import { describe, it } from 'vitest'
import { openEditor, useEditorTest, waitForStatus } from './fixtures.js'

const OUT = `${REPO}docs/screenshots/`
const DESKTOP = { width: 1280, height: 760 }
const PHONE = { width: 390, height: 760 }

const NOTES = `# Launch checklist

Owners write their part; **everyone** reviews before Friday.

## Before

- [x] Freeze the API
- [ ] Write the *release notes*
- [ ] Check the [self-hosting guide](https://example.org/docs)

## Smoke test

\`\`\`bash
cowrite serve --port 1234 --data ./data
curl -s localhost:1234/healthz
\`\`\`

> Ship it when the checks are green.
`

describe.runIf(process.env.COWRITE_SCREENSHOTS)('docs screenshots', () => {
  const env = useEditorTest([], 120_000)

  async function shot(page: Page, name: string): Promise<void> {
    mkdirSync(OUT, { recursive: true })
    await page.screenshot({ path: `${OUT}${name}.png` })
  }

  /** Ada's page in `room` with the notes, a title and Bob typing beside her. */
  async function writingRoom(room: string, size = DESKTOP, colorScheme: 'light' | 'dark' = 'light'): Promise<{ ada: Page; bob: Page }> {
    const { page: ada } = await openEditor(env, `${env.server.url}/r/${room}`, 'Ada Lovelace', size)
    await ada.emulateMedia({ colorScheme })
    const { page: bob } = await openEditor(env, `${env.server.url}/r/${room}`, 'Bob Kahn')
    await Promise.all([waitForStatus(ada, 'synced'), waitForStatus(bob, 'synced'), ada.evaluate(() => (window as any).cowrite.markdownLoaded)])
    if ((await ada.evaluate(() => (window as any).cowrite.session.text.length)) === 0) {
      await ada.evaluate((text) => (window as any).cowrite.session.text.insert(0, text), NOTES)
      await ada.fill('.title-input', 'Launch checklist')
    }
    await bob.waitForFunction(() => (window as any).cowrite.session.text.toString().startsWith('# Launch checklist'))
    await bob.evaluate(() => {
      const view = (window as any).cowrite.view
      const line = view.state.doc.line(8)
      view.focus()
      view.dispatch({ selection: { anchor: line.to } })
    })
    if (!(await bob.evaluate(() => (window as any).cowrite.session.text.toString().includes('(draft)')))) await bob.keyboard.type(' (draft)')
    await ada.click('.cm-line:has-text("Freeze the API")')
    await ada.waitForSelector('.cm-ySelectionInfo:text("Bob Kahn")')
    await ada.waitForFunction(() => getComputedStyle(document.querySelector('.cm-ySelectionInfo')!).opacity === '1')
    return { ada, bob }
  }

  /** Close the pages' contexts: the next shot's room shows only its own people. */
  async function leave(...pages: Page[]): Promise<void> {
    for (const page of pages) await page.context().close()
  }

  it('editor light, dark, phone, share menu and preview', async () => {
    const { ada, bob } = await writingRoom('launch-checklist')
    await shot(ada, 'editor-light')
    await ada.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url })
    await ada.click('.share-button')
    await ada.click('.share-view')
    await ada.waitForSelector('.share-status[data-result="copied"]')
    await shot(ada, 'share-menu')
    await ada.keyboard.press('Escape')
    await ada.click('.preview-toggle')
    await ada.waitForSelector('#preview h1')
    await shot(ada, 'preview')
    await ada.click('.preview-toggle')
    await leave(ada, bob)

    const dark = await writingRoom('launch-checklist', DESKTOP, 'dark')
    await shot(dark.ada, 'editor-dark')
    await leave(dark.ada, dark.bob)
    const phone = await writingRoom('launch-checklist', PHONE)
    await shot(phone.ada, 'editor-phone')
    await leave(phone.ada, phone.bob)
  }, 120_000)

  it('start page and viewer', async () => {
    const { page } = await openEditor(env, `${env.server.url}/r/launch-checklist`, 'Ada Lovelace', DESKTOP)
    for (const [room, title] of [
      ['brave-otter-42', 'Team retro, week 48'],
      ['quiet-heron-17', 'Reading list'],
    ] as const) {
      await page.goto(`${env.server.url}/r/${room}`)
      await waitForStatus(page, 'synced')
      await page.fill('.title-input', title)
      await page.click('.cm-content')
      await page.keyboard.type(`${title}\n\nNotes go here.`)
    }
    await page.goto(`${env.server.url}/`)
    await page.waitForSelector('.on-server .room-item')
    await shot(page, 'start-page')
    await leave(page)

    const viewer = await (await env.browser.newContext({ viewport: DESKTOP })).newPage()
    await viewer.goto(`${env.server.url}/viewer/launch-checklist`)
    await viewer.waitForSelector('#connection[data-status="live"]')
    const { bob } = await writingRoom('launch-checklist')
    await bob.keyboard.type(' and a summary')
    await viewer.waitForSelector('#live-text .cm-being-edited')
    await viewer.waitForFunction(() => document.querySelector('.events li.event')?.textContent?.includes('Bob Kahn edited for'))
    await shot(viewer, 'viewer')
    await viewer.goto(`${env.server.url}/viewer/`)
    await viewer.waitForSelector('tr[data-room="launch-checklist"]')
    await viewer.waitForSelector('#connection[data-status="live"]')
    await shot(viewer, 'viewer-rooms')
  }, 120_000)
})
