/**
 * The viewer's History panel in Chromium: the versions of a room listed and on a timeline; the
 * newest chosen by default, its text showing what changed since the previous version (Bob's
 * insertion underlined in his colour, his deletion struck through); another version chosen from
 * the list is remembered in the URL; "Restore this version" makes the text that version's in an
 * open editor page and in the stock clients, and lists the version recorded after it.
 */
import { expect, it } from 'vitest'
import { waitUntil } from '@cowrite/testing'
import type { Version } from '@cowrite/protocol'
import { connectEditor, screenshot, useViewerTest } from './fixtures.js'

const env = useViewerTest()

async function nameVersion(room: string, name: string): Promise<Version> {
  const response = await fetch(`${env.server.url}/api/rooms/${room}/versions`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ name }),
  })
  expect(response.status).toBe(201)
  return (await response.json()) as Version
}

async function storedText(room: string): Promise<string> {
  return (await fetch(`${env.server.url}/api/rooms/${room}/text`)).text()
}

it('shows a version’s changes in its authors’ colours, remembers the choice in the URL, and restores it into an open editor', async () => {
  const room = 'history-panel'
  const ada = await connectEditor(env, room, { name: 'Ada', color: '#0090ff' })
  const bob = await connectEditor(env, room, { name: 'Bob', color: '#e5484d' })
  ada.text.insert(0, 'The first draft, by Ada.')
  await waitUntil('stored', async () => (await storedText(room)) === 'The first draft, by Ada.')
  const first = await nameVersion(room, 'First draft')
  await waitUntil('Bob has it', () => bob.text.length > 0, { on: [[bob.doc, 'update']] })
  bob.text.delete(4, 'first'.length)
  bob.text.insert(4, 'second')
  await waitUntil('stored', async () => (await storedText(room)) === 'The second draft, by Ada.')
  const second = await nameVersion(room, 'Second draft')

  const editor = await env.browser.newPage({ viewport: { width: 1000, height: 700 } })
  await editor.goto(`${env.server.url}/r/${room}`)
  await editor.waitForFunction((text) => document.querySelector('.cm-content')?.textContent === text, 'The second draft, by Ada.')

  const page = await env.browser.newPage({ viewport: { width: 1280, height: 900 } })
  page.setDefaultTimeout(10_000)
  await page.goto(`${env.server.url}/viewer/${room}?history`)
  await page.waitForSelector('[role="tab"][aria-selected="true"]:text("History")')
  // The newest version is chosen: Bob's changes since the first draft, in his colour.
  await page.waitForSelector(`.history-item[data-version="${second.id}"][aria-pressed="true"]`)
  await page.waitForSelector('.history-text ins')
  const marks = await page.$$eval('.history-text ins, .history-text del', (elements) =>
    elements.map((element) => ({
      tag: element.tagName.toLowerCase(),
      text: element.textContent,
      color: (element as HTMLElement).style.getPropertyValue('--author'),
      title: (element as HTMLElement).title,
    })),
  )
  expect(marks).toEqual(
    expect.arrayContaining([
      { tag: 'ins', text: 'second', color: '#e5484d', title: 'Inserted by Bob' },
      { tag: 'del', text: 'first', color: '#e5484d', title: 'Deleted by Bob' },
    ]),
  )
  expect(marks).toHaveLength(2)
  expect(await page.textContent('.history-summary')).toBe('+6 −5 characters')
  // Both versions on the timeline, the named ones marked.
  expect(await page.$$eval('.history-dot.named', (dots) => dots.length)).toBe(2)
  await screenshot(page, 'viewer-history')

  // Choose the first draft: all of it Ada's, and the URL says which.
  await page.click(`.history-item[data-version="${first.id}"]`)
  await page.waitForFunction((id) => new URL(location.href).searchParams.get('version') === String(id), first.id)
  await page.waitForFunction(() => document.querySelector('.history-text')?.textContent === 'The first draft, by Ada.')
  expect(await page.$$eval('.history-text ins', (elements) => elements.map((element) => (element as HTMLElement).title))).toEqual(['Inserted by Ada'])

  // Restore it: the open editor and both stock clients show it; a new version is listed.
  await page.click('button:text("Restore this version")')
  await page.click('button:text-is("Restore")')
  await page.waitForSelector('.tone-ok:text("Restored")')
  await editor.waitForFunction((text) => document.querySelector('.cm-content')?.textContent === text, 'The first draft, by Ada.')
  for (const client of [ada, bob]) {
    await waitUntil('a client has the restored text', () => client.text.toString() === 'The first draft, by Ada.', { on: [[client.doc, 'update']] })
  }
  await waitUntil('the version after the restore is listed', async () => (await page.$$('.history-item')).length === 3)

  // Name the current text from the panel: listed and chosen.
  await page.fill('.history-name-form input', 'Back to the first')
  await page.click('button:text("Save version")')
  await page.waitForSelector('.history-item[aria-pressed="true"] .history-name:text("Back to the first")')
  expect(await page.$$eval('.history-item', (items) => items.length)).toBe(4)
  await page.click(`.history-item[data-version="${first.id}"]`)
  await page.waitForFunction((id) => new URL(location.href).searchParams.get('version') === String(id), first.id)

  // A reload of the remembered URL chooses the same version again.
  await page.reload()
  await page.waitForSelector(`.history-item[data-version="${first.id}"][aria-pressed="true"]`)
  await page.close()
  await editor.close()
})
