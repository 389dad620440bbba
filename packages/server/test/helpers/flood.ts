/**
 * The flood scenario of the rate limit's close rule, pinned at different rates: a socket held far
 * above `rateLimit` messages per second for longer than the grace is closed with 1008, logged and
 * counted once, while a bystander in the same room stays connected.
 */
import { expect } from 'vitest'
import { WebSocket } from 'ws'
import { connectClient } from './client.js'
import { queryAwarenessFrame } from './frames.js'
import type { Scope } from './scope.js'
import { startServer } from './server.js'
import { closed, openSocket } from './sockets.js'

/** The grace above the limit before a socket is closed (the server's default is 10 s). */
export const GRACE_MS = 2_000

/** Flood a server started with `rateLimit: rate` and assert the close, the log line and the metric. */
export async function floodIsClosedWith1008(scope: Scope, rate: number): Promise<void> {
  const server = await startServer(scope, { rateLimit: rate, rateLimitGraceMs: GRACE_MS })
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
}
