/**
 * The upgrade is refused with HTTP 400 and a JSON reason for any path that is not a valid room
 * name, before a WebSocket or a room exists; names at the edge of the rule are accepted.
 */
import { describe, expect, it } from 'vitest'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { rawUpgrade, readToEnd } from './helpers/sockets.js'

const scope = useScope()

const INVALID = ['/bad%20room', '/', '/' + 'a'.repeat(200), '/' + 'a'.repeat(129), '/a/b', '/.hidden', '/-dash', '/room%2Fx', '/caf%C3%A9', '//double']
const VALID = ['/a', '/' + 'a'.repeat(128), '/Room_1.v-2', '/0?token=ignored-here']

describe('room names at the upgrade', () => {
  it.each(INVALID)('refuses %s with 400 and a JSON error', async (path) => {
    const server = await startServer(scope)
    const { socket, status, rest } = await rawUpgrade(scope, server.url, path)
    expect(status).toBe(400)
    const answer = await readToEnd(socket, rest)
    expect(JSON.parse(answer)).toEqual({ error: expect.stringContaining('invalid room name') })
    const logged = server.logs.matching('invalid room name')
    expect(logged).toHaveLength(1)
    expect(logged[0]!.room).toBe(new URL(path, 'http://x').pathname.slice(1))
    expect(await server.metric('cowrite_rooms')).toBe(0)
    expect(await server.metric('cowrite_errors_total{kind="bad-room"}')).toBe(1)
  })

  it.each(VALID)('accepts %s', async (path) => {
    const server = await startServer(scope)
    const { status } = await rawUpgrade(scope, server.url, path)
    expect(status).toBe(101)
  })
})
