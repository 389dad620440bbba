/**
 * The viewer follows a room as an editor types: the feed says so in plain words and the read-only
 * text shows it within a second; who is here and the overview follow joins; no WebSocket is
 * opened by the viewer. Screenshots of the room (light and dark) and of the overview.
 */
import { describe, expect, it } from 'vitest'
import { waitUntil } from '@cowrite/testing'
import { badge, connectEditor, feedTexts, screenshot, shownText, useViewerTest, watchWebSockets } from './fixtures.js'

const env = useViewerTest()

describe('viewer', () => {
  it('shows an editor typing within a second, in words and in the live text', async () => {
    const context = await env.browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    page.setDefaultTimeout(10_000)
    const sockets = watchWebSockets(page)
    const errors: string[] = []
    page.on('pageerror', (error) => errors.push(String(error)))
    await page.goto(`${env.server.url}/viewer/notes`)
    await page.waitForSelector('#connection[data-status="live"]')

    const ada = await connectEditor(env, 'notes', { name: 'Ada', color: '#30a46c' })
    await page.waitForFunction(() => [...document.querySelectorAll('.events li.event')].some((line) => line.textContent?.startsWith('Ada joined')))
    await page.waitForSelector('.people .person[data-name="Ada"]')

    const started = Date.now()
    ada.text.insert(0, 'Hello from Ada')
    await page.waitForFunction(
      () =>
        [...document.querySelectorAll('.events li.event .text')].some((line) => line.textContent?.startsWith('Ada typed 14 characters')) &&
        [...document.querySelectorAll('#live-text .cm-line')].map((line) => line.textContent).join('\n') === 'Hello from Ada',
      undefined,
      { polling: 'raf', timeout: 5_000 },
    )
    const elapsed = Date.now() - started
    expect(elapsed).toBeLessThan(1000)

    // Further typing within the coalescing second arrives as one trailing event at most a second
    // later, and joins Ada's editing session: one line, not one per second.
    ada.text.insert(14, '.\nSecond line')
    ada.text.delete(0, 6)
    await waitUntil('the live text follows', async () => (await shownText(page)) === ada.text.toString())
    await waitUntil('the trailing edit is in the session', async () => /^Ada edited for \d s, \+27 −6$/.test((await feedTexts(page))[0] ?? ''))
    expect(await shownText(page)).toBe('from Ada.\nSecond line')
    expect(await feedTexts(page)).toHaveLength(2)
    expect((await feedTexts(page))[1]).toBe('Ada joined')
    // The kind filter hides edits and shows them again.
    const visible = () => page.$$eval('.events li.event', (lines) => lines.filter((line) => !(line as HTMLElement).hidden).map((line) => (line as HTMLElement).dataset.kind))
    await page.uncheck('.filters input[data-kind="edit"]')
    expect(await visible()).toEqual(['join'])
    await page.check('.filters input[data-kind="edit"]')
    expect(await visible()).toEqual(['edit', 'join'])
    expect(await badge(page)).toEqual({ status: 'live', text: 'Live' })
    // The chart has drawn Ada's bars.
    expect(await page.$$eval('.chart rect.bar', (bars) => bars.length)).toBeGreaterThan(0)
    expect(await page.textContent('.legend')).toContain('Ada')
    await screenshot(page, 'viewer-room-light')

    await page.emulateMedia({ colorScheme: 'dark' })
    await screenshot(page, 'viewer-room-dark')

    // The overview lists the room with its live connection and size, from one all-rooms stream.
    const overview = await context.newPage()
    const overviewSockets = watchWebSockets(overview)
    await overview.goto(`${env.server.url}/viewer/`)
    await overview.waitForSelector('#connection[data-status="live"]')
    await overview.waitForSelector('tr[data-room="notes"] .connections[data-count="1"]')
    const bob = await connectEditor(env, 'drafts', { name: 'Bob', color: '#e5484d' })
    bob.text.insert(0, 'Bob was here')
    // A new room appears on top (newest activity first) with Bob's connection and its size.
    await overview.waitForFunction(() => {
      const first = document.querySelector('tbody tr')
      return first?.getAttribute('data-room') === 'drafts' && first.querySelector('.connections')?.getAttribute('data-count') === '1' && first.textContent?.includes('12 chars')
    })
    await screenshot(overview, 'viewer-overview-light')
    await overview.emulateMedia({ colorScheme: 'dark' })
    await screenshot(overview, 'viewer-overview-dark')
    bob.destroy()
    await overview.waitForSelector('tr[data-room="drafts"] .connections[data-count="0"]')

    expect(errors).toEqual([])
    expect(sockets).toEqual([])
    expect(overviewSockets).toEqual([])
    await context.close()
  })
})
