import { expect, it } from 'vitest'
import { screenshot, useEditorTest, waitForStatus } from './fixtures.js'

const env = useEditorTest()

it('edits made while the server is down are kept in IndexedDB: closing the tab loses nothing, and they sync later', async () => {
  const room = 'kept-offline'
  const context = await env.newContext()
  const page = await context.newPage()
  await page.goto(`${env.server.url}/r/${room}`)
  await waitForStatus(page, 'synced')
  await page.click('.cm-content')
  await page.keyboard.type('Online part. ')

  await env.server.stop()
  await waitForStatus(page, 'reconnecting')
  await page.keyboard.type('Offline part.')
  // y-indexeddb stores each update as it happens; wait until this one is in the database.
  await page.waitForFunction(
    (name) =>
      new Promise<boolean>((resolve) => {
        const open = indexedDB.open(name)
        open.onsuccess = () => {
          const db = open.result
          const count = db.transaction('updates').objectStore('updates').count()
          count.onsuccess = () => resolve(count.result > 0)
          count.onerror = () => resolve(false)
        }
        open.onerror = () => resolve(false)
      }),
    `cowrite ${env.server.url} ${room}`,
  )
  await page.close()

  // The server comes back empty (memory storage); the same browser opens the room again.
  await env.server.restart()
  const again = await context.newPage()
  await again.goto(`${env.server.url}/r/${room}`)
  await waitForStatus(again, 'synced')
  await again.waitForFunction(() => (window as any).cowrite.view.state.doc.toString() === 'Online part. Offline part.')
  await screenshot(again, 'offline-kept-after-reopen')
  const text = await (await fetch(`${env.server.url}/api/rooms/${room}/text`)).text()
  expect(text).toBe('Online part. Offline part.')
  await context.close()
}, 90_000)
