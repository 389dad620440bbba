/**
 * The contract's durability promise: an update that another client has received survives
 * `kill -9` of the server. A real `cowrite serve` process on a SQLite data directory is killed
 * without warning and restarted on the same directory.
 */
import { setImmediate as nextTurn } from 'node:timers/promises'
import { describe, expect, it } from 'vitest'
import { connectClient } from './helpers/client.js'
import { startCowrite, tempDir } from './helpers/cowrite-process.js'
import { useScope } from './helpers/scope.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()

describe('a server killed with SIGKILL', () => {
  it('keeps every update a second client had received', async () => {
    const data = tempDir(scope)
    const first = await startCowrite(scope, ['--data', data])
    const writer = await connectClient(scope, first.wsUrl, 'doc')
    const reader = await connectClient(scope, first.wsUrl, 'doc')

    // 400 updates, one keystroke per transaction, spread over many event-loop turns so they
    // land in many commits of the server.
    const expected: string[] = []
    for (let i = 0; i < 400; i++) {
      const char = String.fromCharCode(97 + (i % 26))
      writer.text.insert(writer.text.length, char)
      expected.push(char)
      if (i % 7 === 0) await nextTurn()
    }
    const text = expected.join('')
    await waitUntil('the reader has every update', () => reader.text.toString() === text, {
      on: [[reader.doc, 'update']],
      timeoutMs: 10_000,
    })

    first.child.kill('SIGKILL')
    expect(await first.exited).toEqual({ code: null, signal: 'SIGKILL' })
    writer.destroy()
    reader.destroy()

    const second = await startCowrite(scope, ['--data', data])
    const fresh = await connectClient(scope, second.wsUrl, 'doc')
    expect(fresh.text.toString()).toBe(text)
    expect(fresh.text.length).toBe(400)
  })

  it('keeps updates from several rooms and writers committed in the same turns', async () => {
    const data = tempDir(scope)
    const first = await startCowrite(scope, ['--data', data])
    const rooms = ['alpha', 'beta', 'gamma']
    const pairs = await Promise.all(
      rooms.map(async (room) => ({
        room,
        writer: await connectClient(scope, first.wsUrl, room),
        reader: await connectClient(scope, first.wsUrl, room),
      })),
    )
    for (let i = 0; i < 150; i++) {
      for (const { room, writer } of pairs) writer.text.insert(writer.text.length, `${room[0]}${i % 10}`)
      if (i % 5 === 0) await nextTurn()
    }
    for (const { writer, reader } of pairs) {
      await waitUntil('the reader has every update', () => reader.text.toString() === writer.text.toString(), {
        on: [[reader.doc, 'update']],
        timeoutMs: 10_000,
      })
    }
    const texts = new Map(pairs.map(({ room, reader }) => [room, reader.text.toString()]))

    first.child.kill('SIGKILL')
    await first.exited
    for (const { writer, reader } of pairs) {
      writer.destroy()
      reader.destroy()
    }

    const second = await startCowrite(scope, ['--data', data])
    for (const room of rooms) {
      const fresh = await connectClient(scope, second.wsUrl, room)
      expect(fresh.text.toString(), room).toBe(texts.get(room))
      expect(fresh.text.length, room).toBe(300)
    }
  })
})
