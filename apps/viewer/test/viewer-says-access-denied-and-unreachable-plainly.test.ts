/**
 * Honest states in the viewer (issue #18): a refused token shows "Access denied: <reason>" in the
 * badge instead of "Reconnecting…" forever, and a request that gets no answer says the server
 * cannot be reached, never the browser's raw "Failed to fetch".
 */
import { signToken } from '@cowrite/testing'
import { expect, it } from 'vitest'
import { badge, useViewerTest } from './fixtures.js'

const SECRET = 'viewer-test-secret'
const env = useViewerTest(['--auth-secret', SECRET])

it('says “Access denied: <reason>” for a forged token and for none', async () => {
  const page = await env.browser.newPage()
  await page.goto(`${env.server.url}/viewer/guarded?token=${signToken('another-secret', 'guarded', 'view', 'Mallory')}`)
  await page.waitForSelector('#connection[data-status="denied"]', { timeout: 10_000 })
  expect((await badge(page)).text).toBe('Access denied: token invalid')

  await page.goto(`${env.server.url}/viewer/guarded`)
  await page.waitForSelector('#connection[data-status="denied"]', { timeout: 10_000 })
  expect((await badge(page)).text).toBe('Access denied: token required')

  await page.goto(`${env.server.url}/viewer/?token=${signToken('another-secret', '*', 'view', 'Mallory')}`)
  await page.waitForSelector('#connection[data-status="denied"]', { timeout: 10_000 })
  expect((await badge(page)).text).toBe('Access denied: token invalid')
  await page.close()
})

it('says the server cannot be reached instead of “Failed to fetch”', async () => {
  const page = await env.browser.newPage()
  await page.route((url) => url.pathname === '/api/rooms/unreachable', (route) => route.abort('connectionrefused'))
  await page.goto(`${env.server.url}/viewer/unreachable?token=${signToken(SECRET, 'unreachable', 'view', 'Watcher')}`)
  await page.waitForSelector('.present p:has-text("Cannot reach the server; retrying")', { timeout: 10_000 })
  expect(await page.textContent('body')).not.toContain('Failed to fetch')
  await page.close()
})
