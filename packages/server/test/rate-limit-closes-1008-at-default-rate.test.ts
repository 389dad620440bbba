/**
 * A socket held above `rateLimit` messages per second for 10 s is closed with 1008 and logged.
 * The 10 s grace is a constant, so this file takes about 11 s. The rate is the default: a resume
 * timer firing 1 ms late then refills a whole token, which must not count as slowing down.
 */
import { describe, expect, it } from 'vitest'
import { WebSocket } from 'ws'
import { connectClient } from './helpers/client.js'
import { queryAwarenessFrame } from './helpers/frames.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { closed, openSocket } from './helpers/sockets.js'

const scope = useScope()
const GRACE_MS = 10_000
const RATE = 1000

describe('rate limit', () => {
  it('closes a socket held above 1000 messages/s for 10 s with 1008', async () => {
    const rate = RATE
    const server = await startServer(scope, { rateLimit: rate })
    const bystander = await connectClient(scope, server.wsUrl, 'flood')
    const socket = await openSocket(scope, server.wsUrl, 'flood')
    const query = queryAwarenessFrame()
    const close = closed(socket, GRACE_MS + 6_000)

    const started = performance.now()
    const deadline = started + GRACE_MS + 5_000
    let sent = 0
    while (socket.readyState === WebSocket.OPEN && performance.now() < deadline) {
      // 40,000 messages/s at most, far above either limit, without starving the event loop.
      for (let burst = 0; burst < 200 && socket.bufferedAmount < 16 * 1024 && socket.readyState === WebSocket.OPEN; burst++) {
        socket.send(query)
        sent++
      }
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    const { code } = await close
    const elapsed = performance.now() - started
    expect(code, `sent ${sent} in ${Math.round(elapsed)} ms`).toBe(1008)
    expect(elapsed).toBeGreaterThan(GRACE_MS)
    const logged = server.logs.matching('rate limit exceeded')
    expect(logged).toHaveLength(1)
    expect(logged[0]).toMatchObject({ room: 'flood', code: 1008 })
    expect(await server.metric('cowrite_errors_total{kind="rate-limited"}')).toBe(1)
    expect(bystander.provider.wsconnected).toBe(true)
  }, 30_000)
})
