/**
 * With auth on, the viewer passes its page's `?token=` to every fetch and stream: a view token
 * shows the room's text and activity; without one, the page says a token is needed.
 */
import { expect, it } from 'vitest'
import { signToken } from '@cowrite/testing'
import { waitUntil } from '@cowrite/testing'
import { connectEditor, shownText, useViewerTest } from './fixtures.js'

const SECRET = 'viewer-test-secret'
const env = useViewerTest(['--auth-secret', SECRET])

it('follows a room with a view token and explains a missing one', async () => {
  const ada = await connectEditor(env, 'secret-plans', { name: 'Ada', color: '#12a594' }, signToken(SECRET, 'secret-plans', 'edit', 'Ada'))
  ada.text.insert(0, 'Only for token holders')

  const page = await env.browser.newPage()
  page.setDefaultTimeout(10_000)
  const requests: string[] = []
  page.on('request', (request) => requests.push(request.url()))
  const token = signToken(SECRET, 'secret-plans', 'view', 'Watcher')
  await page.goto(`${env.server.url}/viewer/secret-plans?token=${token}`)
  await page.waitForSelector('#connection[data-status="live"]')
  await waitUntil('the text shows', async () => (await shownText(page)) === 'Only for token holders')
  await page.waitForSelector('.people .person[data-name="Ada"]')
  const api = requests.filter((url) => new URL(url).pathname.startsWith('/api/'))
  expect(api.length).toBeGreaterThanOrEqual(2) // the room's info and its activity stream
  for (const url of api) expect(new URL(url).searchParams.get('token')).toBe(token)

  const anonymous = await env.browser.newPage()
  await anonymous.goto(`${env.server.url}/viewer/secret-plans`)
  await anonymous.waitForSelector('#banner:not([hidden])', { timeout: 10_000 })
  expect(await anonymous.textContent('#banner')).toContain('needs a token')
  expect(await anonymous.$eval('#connection', (element) => (element as HTMLElement).dataset.status)).not.toBe('live')
  await page.close()
  await anonymous.close()
})
