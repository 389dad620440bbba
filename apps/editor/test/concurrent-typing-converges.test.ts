import { expect, it } from 'vitest'
import { editorText, openEditor, screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const env = useEditorTest([], 90_000)

it('two people typing into one room at the same time converge, and each sees the other\'s named cursor', async () => {
  // `/` makes a room with a readable name and goes to /r/<room>.
  const { page: ada } = await openEditor(env, `${env.server.url}/`, 'Ada')
  expect(new URL(ada.url()).pathname).toMatch(/^\/r\/[a-z]+-[a-z]+-\d{2}$/)
  const room = decodeURIComponent(new URL(ada.url()).pathname.slice(3))
  expect(await ada.title()).toBe(`${room} · Cowrite`)
  await waitForStatus(ada, 'synced')
  expect(await ada.textContent('#connection')).toBe('Connected')

  const { page: bob } = await openEditor(env, `${env.server.url}/r/${room}`, 'Bob')
  await waitForStatus(bob, 'synced')
  await screenshot(ada, 'converge-1-ada-joined')

  // Both type at once: 40 characters each, interleaved on the wire.
  await ada.click('.cm-content')
  await bob.click('.cm-content')
  const adaLine = 'Ada writes the first line of the story. '
  const bobLine = 'Bob adds a second voice to the draft. '
  await Promise.all([ada.keyboard.type(adaLine, { delay: 15 }), bob.keyboard.type(bobLine, { delay: 15 })])

  await ada.waitForFunction(
    (expected) => (window as any).cowrite.view.state.doc.length === expected,
    adaLine.length + bobLine.length,
  )
  await bob.waitForFunction(
    (expected) => (window as any).cowrite.view.state.doc.length === expected,
    adaLine.length + bobLine.length,
  )
  const [adaText, bobText] = [await editorText(ada), await editorText(bob)]
  expect(adaText).toBe(bobText)
  // Nothing lost, nothing doubled: the same characters as both lines together.
  expect([...adaText].sort().join('')).toBe([...(adaLine + bobLine)].sort().join(''))

  // Named remote cursors: Ada sees Bob's caret labelled "Bob" and vice versa.
  await ada.waitForSelector('.cm-ySelectionInfo:text("Bob")')
  await bob.waitForSelector('.cm-ySelectionInfo:text("Ada")')
  // …in the presence bar too, with their colours.
  await ada.waitForSelector('.presence .peer:has-text("Bob")')
  await bob.waitForSelector('.presence .peer:has-text("Ada")')
  expect(await ada.inputValue('.name-input')).toBe('Ada')
  await screenshot(ada, 'converge-2-ada-sees-bob')
  await screenshot(bob, 'converge-3-bob-sees-ada')

  // Renaming shows at once on the other side.
  await bob.fill('.name-input', 'Robert')
  await bob.press('.name-input', 'Enter')
  await ada.waitForSelector('.cm-ySelectionInfo:text("Robert")')
  await ada.waitForSelector('.presence .peer:has-text("Robert")')
  // Enter in the name field does not type into the document.
  expect(await editorText(bob)).toBe(adaText)
  expect(await bob.evaluate(() => JSON.parse(localStorage.getItem('cowrite.user') ?? '{}').name)).toBe('Robert')
  await screenshot(ada, 'converge-4-bob-renamed')
}, 90_000)
