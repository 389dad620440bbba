/**
 * Writing Markdown: headings are larger than body text, fenced code is highlighted by its
 * language (loaded when a block names it), Ctrl+B and Ctrl+I wrap and unwrap, long lines wrap,
 * the word count follows the text, and "Download .md" saves the text under the title's name.
 */
import { readFileSync } from 'node:fs'
import type { Page } from 'playwright-core'
import { expect, it } from 'vitest'
import { editorText, openEditor, screenshot, useEditorTest, waitForStatus, waitForText } from './fixtures.js'

const env = useEditorTest()

async function ready(page: Page): Promise<void> {
  await waitForStatus(page, 'synced')
  await page.evaluate(() => (window as any).cowrite.markdownLoaded)
  await page.click('.cm-content')
}

it('styles headings, highlights fenced code by language, and wraps long lines', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/markdown-looks`, 'Ada')
  await ready(page)
  await page.keyboard.type('# A heading\n\nBody text that is long enough to wrap: ' + 'words '.repeat(60) + '\n\n```python\ndef answer():\n    return 42\n```\n')
  const size = (text: string) =>
    page.evaluate((wanted) => {
      const line = [...document.querySelectorAll('.cm-line')].find((element) => element.textContent?.startsWith(wanted))!
      const span = [...line.querySelectorAll('span')].find((element) => element.textContent?.includes(wanted.replace(/^# /, ''))) ?? line
      return parseFloat(getComputedStyle(span).fontSize)
    }, text)
  expect(await size('# A heading')).toBeGreaterThan((await size('Body text')) * 1.3)
  // "def" in its own colour once Python (a lazily loaded language) is in.
  await page.waitForFunction(() => {
    const keyword = [...document.querySelectorAll('.cm-line span')].find((span) => span.textContent === 'def')
    return keyword !== undefined && getComputedStyle(keyword).color !== getComputedStyle(keyword.closest('.cm-line')!).color
  })
  // One logical line, several visual ones, and nothing to scroll sideways.
  const body = page.locator('.cm-line', { hasText: 'Body text' })
  expect((await body.boundingBox())!.height).toBeGreaterThan(60)
  expect(await page.evaluate(() => document.querySelector('.cm-scroller')!.scrollWidth <= document.querySelector('.cm-scroller')!.clientWidth)).toBe(true)
  await screenshot(page, 'markdown-looks')
})

it('Ctrl+B and Ctrl+I wrap the selection and unwrap it again', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/markdown-keys`, 'Ada')
  await ready(page)
  await page.keyboard.type('bold and slanted')
  await page.keyboard.press('Home')
  for (let i = 0; i < 4; i++) await page.keyboard.press('Shift+ArrowRight')
  await page.keyboard.press('Control+b')
  expect(await editorText(page)).toBe('**bold** and slanted')
  await page.keyboard.press('Control+b')
  expect(await editorText(page)).toBe('bold and slanted')
  await page.keyboard.press('End')
  for (let i = 0; i < 7; i++) await page.keyboard.press('Shift+ArrowLeft')
  await page.keyboard.press('Control+i')
  expect(await editorText(page)).toBe('bold and *slanted*')
  // On an empty selection, the pair with the cursor between.
  await page.keyboard.press('End')
  await page.keyboard.type(' ')
  await page.keyboard.press('Control+b')
  await page.keyboard.type('new')
  expect(await editorText(page)).toBe('bold and *slanted* **new**')
})

it('counts words as the text changes and downloads the text named after the title', async () => {
  const { page } = await openEditor(env, `${env.server.url}/r/markdown-download`, 'Ada')
  await ready(page)
  expect(await page.textContent('.word-count')).toBe('0 words')
  await page.keyboard.type("One two three, don't stop.\n")
  await page.waitForFunction(() => document.querySelector('.word-count')?.textContent === '5 words')
  await page.fill('.title-input', 'Notes: week 1/2')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('.download')])
  expect(download.suggestedFilename()).toBe('Notes week 1 2.md')
  expect(readFileSync((await download.path())!, 'utf8')).toBe("One two three, don't stop.\n")
  await waitForText(page, "One two three, don't stop.\n")
})
