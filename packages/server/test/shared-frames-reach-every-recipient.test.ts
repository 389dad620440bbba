/**
 * A relayed update is framed once and the same bytes written to every recipient: whatever the
 * payload's length class (7-bit, 16-bit or 64-bit length field), stock clients must read it.
 */
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { useScope } from './helpers/scope.js'
import { startServer } from './helpers/server.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('shared frames', () => {
  it('deliver small, medium and large updates intact to every other client', async () => {
    const server = await startServer(scope)
    const [writer, ...readers] = await Promise.all([0, 1, 2, 3].map(() => connectClient(scope, server.wsUrl, 'shared')))
    let expected = ''
    for (const size of [3, 200, 70_000, 300_000]) {
      const chunk = String.fromCharCode(97 + (size % 26)).repeat(size)
      writer!.text.insert(writer!.text.length, chunk)
      expected += chunk
      await waitUntil(`every reader has the ${size}-character update`, () => readers.every((r) => r.text.toString() === expected), {
        on: readers.map((r) => [r.doc, 'update'] as const),
      })
    }
    expect((await server.get('/api/rooms/shared/text')).text).toBe(expected)
  })
})
