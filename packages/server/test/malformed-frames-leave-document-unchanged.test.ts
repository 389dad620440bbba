/**
 * Thousands of seeded random and truncated frames: each one closes its own socket with 1007 and
 * a log line naming the room and the reason; the process stays up, the clients in the room keep
 * syncing, and the room's document is byte-for-byte what it was.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { connectClient, type StockClient } from './helpers/client.js'
import { awarenessFrame, queryAwarenessFrame, syncFrame, syncStep1Frame, syncStep2Frame, updateFrame } from './helpers/frames.js'
import { bytes, createRandom, int, pick, testSeed, word, type Random } from './helpers/prng.js'
import { useScope } from './helpers/scope.js'
import { startServer, type TestServer } from './helpers/server.js'
import { closed, encodeFrame, openSocket, rawUpgrade, readServerFrames } from './helpers/sockets.js'
import { waitUntil } from './helpers/wait.js'

const scope = useScope()
const BAD_FRAMES = 2_000
const PARALLEL = 16

/** Well-formed frames whose prefixes and extensions make the malformed ones. */
function validFrames(random: Random): Uint8Array[] {
  const scratch = new Y.Doc()
  const updates: Uint8Array[] = []
  scratch.on('update', (update: Uint8Array) => updates.push(update))
  const text = scratch.getText('content')
  for (let i = 0; i < 20; i++) {
    if (text.length > 3 && int(random, 0, 3) === 0) text.delete(int(random, 0, text.length - 2), 2)
    else text.insert(int(random, 0, text.length), word(random, 30))
  }
  scratch.getMap('meta').set('k', 'v')
  const frames = [
    ...updates.map(updateFrame),
    syncStep2Frame(Y.encodeStateAsUpdate(scratch)),
    syncStep1Frame(scratch),
    awarenessFrame([{ clientID: 42, clock: 3, json: JSON.stringify({ user: { name: 'Zed', color: '#123' }, cursor: null }) }]),
  ]
  scratch.destroy()
  return frames
}

function rejectedByYjs(payload: Uint8Array): boolean {
  try {
    Y.decodeUpdate(payload)
    return false
  } catch {
    return true
  }
}

function rejectedByYProtocols(update: Uint8Array): boolean {
  const doc = new Y.Doc()
  const awareness = new awarenessProtocol.Awareness(doc)
  try {
    awarenessProtocol.applyAwarenessUpdate(awareness, update, null)
    return false
  } catch {
    return true
  } finally {
    awareness.destroy()
    doc.destroy()
  }
}

type BadFrame = { kind: string; data: Uint8Array | string }

/** One malformed frame; every kind is invalid by construction or checked against yjs/y-protocols. */
function badFrame(random: Random, valid: readonly Uint8Array[]): BadFrame {
  for (;;) {
    const source = pick(random, valid)
    switch (int(random, 0, 8)) {
      case 0:
      case 1:
        // Truncation of a real frame: every strict prefix, the empty frame included, is invalid.
        return { kind: 'truncated', data: source.slice(0, int(random, 0, source.length - 1)) }
      case 2:
        return { kind: 'trailing bytes', data: new Uint8Array([...source, ...bytes(random, int(random, 1, 4))]) }
      case 3: {
        const type = pick(random, [2, int(random, 4, 127), 128 + int(random, 0, 127)])
        const data = new Uint8Array([type, ...bytes(random, int(random, 0, 40))])
        if (type >= 128) data[1] = 1 // a two-byte varUint type: 128..255, none of them known
        return { kind: 'unknown type', data }
      }
      case 4:
        return { kind: 'unknown sync step', data: syncFrame(int(random, 3, 200), bytes(random, int(random, 0, 20))) }
      case 5: {
        const payload = bytes(random, int(random, 1, 64))
        if (!rejectedByYjs(payload)) continue
        return { kind: 'random update', data: syncFrame(int(random, 1, 2), payload) }
      }
      case 6: {
        const payload = bytes(random, int(random, 1, 64))
        if (!rejectedByYProtocols(payload)) continue
        return { kind: 'random awareness', data: new Uint8Array([1, payload.length, ...payload]) }
      }
      case 7:
        return { kind: 'awareness bad JSON', data: awarenessFrame([{ clientID: int(random, 1, 1e6), clock: 1, json: '{"user":' + word(random) }]) }
      default:
        return { kind: 'text frame', data: word(random, 20) }
    }
  }
}

async function documentState(server: TestServer, room: string): Promise<{ update: Uint8Array; text: string }> {
  const fresh = await connectClient(scope, server.wsUrl, room, { user: null })
  const update = Y.encodeStateAsUpdate(fresh.doc)
  fresh.destroy()
  return { update, text: (await server.get(`/api/rooms/${room}/text`)).text }
}

async function editedRoom(server: TestServer, room: string, random: Random): Promise<[StockClient, StockClient]> {
  const ada = await connectClient(scope, server.wsUrl, room)
  const bob = await connectClient(scope, server.wsUrl, room)
  for (let i = 0; i < 30; i++) ada.text.insert(int(random, 0, ada.text.length), word(random))
  await waitUntil('bob has ada\'s text', () => bob.text.toString() === ada.text.toString(), { on: [[bob.doc, 'update']] })
  return [ada, bob]
}

async function stillSyncing(ada: StockClient, bob: StockClient, marker: string): Promise<void> {
  ada.text.insert(0, marker)
  await waitUntil(`bob receives ${JSON.stringify(marker)}`, () => bob.text.toString().startsWith(marker), { on: [[bob.doc, 'update']] })
}

describe('malformed frames', () => {
  it('each close their socket with 1007 and leave the document byte-for-byte unchanged', async () => {
    const seed = testSeed(1007)
    const random = createRandom(seed)
    const server = await startServer(scope)
    const room = 'fuzz'
    const [ada, bob] = await editedRoom(server, room, random)
    const before = await documentState(server, room)
    const adaBefore = Y.encodeStateAsUpdate(ada.doc)

    const valid = validFrames(random)
    const frames = Array.from({ length: BAD_FRAMES }, () => badFrame(random, valid))
    const codes = new Map<string, number[]>()
    let next = 0
    await Promise.all(
      Array.from({ length: PARALLEL }, async () => {
        while (next < frames.length) {
          const index = next++
          const { kind, data } = frames[index]!
          const socket = await openSocket(scope, server.wsUrl, room)
          socket.send(data)
          const { code } = await closed(socket)
          if (code !== 1007) codes.set(`#${index} ${kind} [${typeof data === 'string' ? data : [...data].join(',')}]`, [code])
        }
      }),
    )
    expect([...codes.entries()], `seed ${seed}: frames not closed with 1007`).toEqual([])

    const after = await documentState(server, room)
    expect(after.text).toBe(before.text)
    expect(Buffer.from(after.update).equals(Buffer.from(before.update)), `seed ${seed}: server state changed`).toBe(true)
    expect(Buffer.from(Y.encodeStateAsUpdate(ada.doc)).equals(Buffer.from(adaBefore))).toBe(true)

    // The stock clients were never disturbed and still sync both ways.
    expect(ada.provider.wsconnected && bob.provider.wsconnected).toBe(true)
    await stillSyncing(ada, bob, 'alive-')
    await stillSyncing(bob, ada, 'both-ways-')
    expect((await server.get('/healthz')).status).toBe(200)

    // Every close was logged with its room, code and reason, and counted.
    const logged = server.logs.matching('undecodable frame')
    expect(logged).toHaveLength(BAD_FRAMES)
    for (const line of logged) expect(line).toMatchObject({ room, code: 1007, reason: 'undecodable frame' })
    expect(await server.metric('cowrite_errors_total{kind="undecodable"}')).toBe(BAD_FRAMES)
  })

  it('reads a truncated frame only up to its own end, even when the next frame is in the same segment', async () => {
    const seed = testSeed(2007)
    const random = createRandom(seed)
    const server = await startServer(scope)
    const room = 'segments'
    const [ada, bob] = await editedRoom(server, room, random)
    const before = await documentState(server, room)

    // A string insert cut inside its characters, followed in the same write by a frame whose
    // bytes would complete it: a decoder reading past the frame's end would accept the pair.
    const scratch = new Y.Doc()
    let update: Uint8Array = new Uint8Array()
    scratch.on('update', (u: Uint8Array) => (update = u))
    scratch.getText('content').insert(0, 'x'.repeat(100))
    scratch.destroy()
    const whole = updateFrame(update)
    for (let cut = whole.length - 40; cut < whole.length; cut += 7) {
      const { socket, status, rest } = await rawUpgrade(scope, server.url, `/${room}`)
      expect(status).toBe(101)
      const reader = readServerFrames(socket, rest)
      const zeroMask = new Uint8Array(4) // the follower's payload goes on the wire as is
      socket.write(Buffer.concat([encodeFrame(whole.slice(0, cut)), encodeFrame(whole.slice(cut), { mask: zeroMask })]))
      expect(await reader.closeCode()).toBe(1007)
    }
    const after = await documentState(server, room)
    expect(after.text).toBe(before.text)
    expect(Buffer.from(after.update).equals(Buffer.from(before.update))).toBe(true)
    await stillSyncing(ada, bob, 'still-')
  })

  it('well-formed but corrupted updates never take the process or the room down', async () => {
    const seed = testSeed(3007)
    const random = createRandom(seed)
    const server = await startServer(scope)
    const [ada, bob] = await editedRoom(server, 'mutants', random)
    const valid = validFrames(random).slice(0, -2) // the updates and the step 2
    let sent = 0
    const outcomes = new Map<string, number>()
    for (let attempt = 0; attempt < 3_000 && sent < 300; attempt++) {
      const frame = pick(random, valid).slice()
      for (let flips = int(random, 1, 3); flips > 0; flips--) frame[int(random, 3, frame.length - 1)] = int(random, 0, 255)
      try {
        Y.decodeUpdate(frame.subarray(3)) // only the ones yjs still decodes: they reach the doc
      } catch {
        continue
      }
      sent++
      const socket = await openSocket(scope, server.wsUrl, 'mutants')
      const probe = new Y.Doc()
      socket.send(frame)
      socket.send(syncStep1Frame(probe)) // answered with step 2 only if the socket survived
      probe.destroy()
      const outcome = await new Promise<string>((resolve) => {
        socket.on('message', (data: Buffer) => {
          if (data[0] === 0 && data[1] === 1) resolve('applied')
        })
        socket.once('close', (code: number) => resolve(`closed ${code}`))
      })
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1)
      socket.close()
    }
    expect(sent, `seed ${seed}`).toBeGreaterThan(100)
    // A mutant either integrates or is refused with 1007; nothing else happens to its socket.
    expect([...outcomes.keys()].filter((outcome) => outcome !== 'applied' && outcome !== 'closed 1007')).toEqual([])
    expect(outcomes.get('closed 1007'), `seed ${seed}: some mutants must fail to integrate`).toBeGreaterThan(0)
    for (const line of server.logs.matching('message could not be applied')) expect(line).toMatchObject({ room: 'mutants', code: 1007 })
    expect(server.logs.matching('message could not be applied')).toHaveLength(outcomes.get('closed 1007')!)
    expect((await server.get('/healthz')).status).toBe(200)
    await stillSyncing(ada, bob, 'survived-')
    // Whatever the mutants did, every client that syncs now agrees with the server's text.
    const fresh = await connectClient(scope, server.wsUrl, 'mutants')
    const served = (await server.get('/api/rooms/mutants/text')).text
    expect(fresh.text.toString()).toBe(served)
    await waitUntil('ada and bob agree with the server', () => ada.text.toString() === served && bob.text.toString() === served, {
      on: [[ada.doc, 'update'], [bob.doc, 'update']],
    })
  })

  it('valid messages on a fuzzed socket are applied; the well-formed ones do not close it', async () => {
    const server = await startServer(scope)
    const socket = await openSocket(scope, server.wsUrl, 'valid')
    const viewer = await connectClient(scope, server.wsUrl, 'valid')
    const scratch = new Y.Doc()
    scratch.getText('content').insert(0, 'from a raw socket')
    socket.send(syncStep2Frame(Y.encodeStateAsUpdate(scratch)))
    socket.send(queryAwarenessFrame())
    scratch.destroy()
    await waitUntil('the viewer gets the raw socket\'s text', () => viewer.text.toString() === 'from a raw socket', { on: [[viewer.doc, 'update']] })
    expect(socket.readyState).toBe(socket.OPEN)
  })
})
