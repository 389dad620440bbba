/**
 * The preview pane renders the room's Markdown as it changes (a remote edit too), and nothing in
 * the Markdown runs: a `<script>`, an `onerror` handler and a `javascript:` link are removed
 * before the HTML reaches the page. The toggle says whether it is open, and is remembered.
 */
import { expect, it } from 'vitest'
import { openEditor, screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const env = useEditorTest()

const HOSTILE = [
  '# Plan',
  '',
  'Some **bold** text and `code`.',
  '',
  '<script>window.ran = "script"</script>',
  '<img src="missing.png" onerror="window.ran = \'onerror\'">',
  '[click](javascript:window.ran=\'link\')',
  '',
  '- one',
  '- two',
].join('\n')

it('renders headings, lists and code, and runs nothing in the text', async () => {
  const { page: ada } = await openEditor(env, `${env.server.url}/r/preview-room`, 'Ada')
  const { page: bob } = await openEditor(env, `${env.server.url}/r/preview-room`, 'Bob')
  await Promise.all([waitForStatus(ada, 'synced'), waitForStatus(bob, 'synced')])
  await bob.evaluate((text) => (window as any).cowrite.session.text.insert(0, text), HOSTILE)

  expect(await ada.getAttribute('.preview-toggle', 'aria-pressed')).toBe('false')
  await ada.click('.preview-toggle')
  expect(await ada.getAttribute('.preview-toggle', 'aria-pressed')).toBe('true')
  await ada.waitForSelector('#preview h1:text("Plan")')
  expect(await ada.locator('#preview li').allTextContents()).toEqual(['one', 'two'])
  expect(await ada.textContent('#preview strong')).toBe('bold')
  expect(await ada.textContent('#preview code')).toBe('code')

  // Nothing ran, and nothing that could run is in the page.
  await ada.waitForFunction(() => document.querySelector('#preview img')?.getAttribute('src') === 'missing.png')
  await ada.waitForLoadState('networkidle')
  expect(await ada.evaluate(() => (window as any).ran)).toBeUndefined()
  expect(await ada.locator('#preview script').count()).toBe(0)
  expect(await ada.locator('#preview [onerror]').count()).toBe(0)
  expect(await ada.locator('#preview [href^="javascript:" i]').count()).toBe(0)
  expect(await ada.textContent('#preview')).toContain('click')

  // A remote edit shows up in the preview.
  await bob.evaluate(() => (window as any).cowrite.session.text.insert(0, '## Added by Bob\n\n'))
  await ada.waitForSelector('#preview h2:text("Added by Bob")')
  await screenshot(ada, 'preview')

  // Remembered in this browser: a reload opens with the preview.
  await ada.reload()
  await ada.waitForSelector('#preview h2:text("Added by Bob")')
  await ada.click('.preview-toggle')
  expect(await ada.locator('#preview').isHidden()).toBe(true)
})
