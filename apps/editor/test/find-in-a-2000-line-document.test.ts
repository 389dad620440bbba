/**
 * Find and replace in a 2,000-line document: Ctrl+F opens the search panel (loaded on first
 * use), a word far below the screen is found and scrolled into view, and "replace all" replaces
 * every match in the shared text.
 */
import { expect, it } from 'vitest'
import { editorText, openEditor, useEditorTest, waitForStatus } from './fixtures.js'

const env = useEditorTest()

it('finds a word on line 1,700 and replaces every match', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/long-document`, 'Ada')
  await waitForStatus(page, 'synced')
  const lines = Array.from({ length: 2000 }, (_, i) => (i === 1699 ? 'here is the needle at last' : i % 100 === 0 ? `line ${i + 1} has a marker` : `line ${i + 1} of plain text`))
  await page.evaluate((text) => (window as any).cowrite.session.text.insert(0, text), lines.join('\n'))
  await page.click('.cm-content')
  await page.keyboard.press('Control+Home')

  await page.keyboard.press('Control+f')
  const field = page.locator('.cm-search input[name="search"]')
  await field.waitFor()
  await field.pressSequentially('needle')
  await field.press('Enter')
  const found = await page.evaluate(() => {
    const view = (window as any).cowrite.view
    const { from, to } = view.state.selection.main
    return { line: view.state.doc.lineAt(from).number, text: view.state.sliceDoc(from, to) }
  })
  expect(found).toEqual({ line: 1700, text: 'needle' })
  await page.waitForSelector('.cm-line:text("here is the needle at last")')
  const box = (await page.locator('.cm-line:text("here is the needle at last")').boundingBox())!
  expect(box.y).toBeGreaterThan(0)
  expect(box.y).toBeLessThan(640)

  await field.fill('')
  await field.pressSequentially('marker')
  await page.locator('.cm-search input[name="replace"]').fill('flag')
  await page.click('.cm-search button[name="replaceAll"]')
  const text = await editorText(page)
  expect(text.match(/flag/g)?.length).toBe(20)
  expect(text).not.toContain('marker')
  await page.waitForFunction(() => (window as any).cowrite.session.text.toString().includes('line 1901 has a flag'))
  await page.keyboard.press('Escape')
  expect(await page.locator('.cm-search').count()).toBe(0)
})
