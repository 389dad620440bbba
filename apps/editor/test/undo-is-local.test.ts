import { expect, it } from 'vitest'
import { editorText, openEditor, screenshot, useEditorTest, waitForStatus, waitForText } from './fixtures.js'

const env = useEditorTest()

it("undo in one page reverts only that person's typing, never the other's", async () => {
  const room = 'undo-is-local'
  const { page: ada } = await openEditor(env, `${env.server.url}/r/${room}`, 'Ada')
  const { page: bob } = await openEditor(env, `${env.server.url}/r/${room}`, 'Bob')
  await Promise.all([waitForStatus(ada, 'synced'), waitForStatus(bob, 'synced')])

  await ada.click('.cm-content')
  await ada.keyboard.type('Ada line')
  await waitForText(bob, 'Ada line')

  // Bob types after Ada, on a new line of his own.
  await bob.click('.cm-content')
  await bob.keyboard.press('End')
  await bob.keyboard.press('Control+End')
  await bob.keyboard.type('\nBob line')
  await waitForText(ada, 'Ada line\nBob line')
  await screenshot(ada, 'undo-1-before')

  // Ada's undo takes her own text back, and leaves Bob's.
  await ada.click('.cm-content')
  await ada.keyboard.press('Control+z')
  await waitForText(ada, '\nBob line')
  await waitForText(bob, '\nBob line')
  await screenshot(ada, 'undo-2-ada-undid')

  // Pressing undo again has nothing of Ada's left to undo: Bob's text stays.
  await ada.keyboard.press('Control+z')
  await ada.keyboard.press('Control+z')
  expect(await editorText(ada)).toBe('\nBob line')

  // Redo brings Ada's text back.
  await ada.keyboard.press('Control+Shift+Z')
  await waitForText(bob, 'Ada line\nBob line')

  // Bob's undo removes his own line only.
  await bob.click('.cm-content')
  await bob.keyboard.press('Control+z')
  await waitForText(ada, 'Ada line')
  await waitForText(bob, 'Ada line')
  await screenshot(bob, 'undo-3-bob-undid')
}, 90_000)
