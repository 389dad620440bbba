/**
 * Rooms over a simulated network, as yjs tests its own sync: a real `Room` with its real commit
 * queue, store and fan-out, and clients that are plain Y.Docs speaking y-protocols' sync through
 * a seeded network that delivers messages in any order and drops whole connections. A failure
 * replays from its seed.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { pino } from 'pino'
import * as syncProtocol from 'y-protocols/sync'
import * as Y from 'yjs'
import type { Fanout } from '../../src/fanout/fanout.js'
import { LocalChannels, createLocalFanout } from '../../src/fanout/local.js'
import { createMetrics } from '../../src/metrics.js'
import { AWARENESS_DEFAULTS } from '../../src/rooms/awareness-relay.js'
import { CommitQueue } from '../../src/rooms/commit-queue.js'
import type { Peer } from '../../src/rooms/peer.js'
import { Room, type RoomObserver } from '../../src/rooms/room.js'
import { createMemoryStorage } from '../../src/storage/memory.js'
import type { Storage } from '../../src/storage/storage.js'
import { decodeMessage, type IncomingMessage } from '../../src/sync/messages.js'
import type { SharedFrame } from '../../src/sync/shared-frame.js'
import { int, type Random } from './prng.js'

/** An observer that ignores everything; tests override what they watch. */
export const QUIET_OBSERVER: RoomObserver = {
  joined() {},
  left() {},
  presenceChanged() {},
  edited() {},
  committed() {},
  noted() {},
}

export interface SimRoom {
  room: Room
  storage: Storage
  logs: Array<{ msg: string; [key: string]: unknown }>
  close(): Promise<void>
}

/** A room named `name` over a fresh memory store (or `storage`), with `observer`, relaying through `fanout`. */
export function simRoom(name: string, observer: RoomObserver = QUIET_OBSERVER, storage: Storage = createMemoryStorage(), fanout: Fanout = createLocalFanout()): SimRoom {
  const logs: SimRoom['logs'] = []
  const log = pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line) as SimRoom['logs'][number]) })
  const metrics = createMetrics({ processMetrics: false })
  const commits = new CommitQueue(storage, log, metrics, 50)
  const room = new Room(name, [], {
    log,
    metrics,
    commits,
    fanout,
    observer,
    awareness: AWARENESS_DEFAULTS,
    onIdle: () => {},
  })
  // What the registry does for a loaded room.
  void fanout.subscribe(name, (event) => {
    if (event.kind !== 'resync') room.receiveFanout(event)
  })
  return {
    room,
    storage,
    logs,
    async close() {
      await commits.drain()
      room.destroy()
      await storage.close()
    },
  }
}

/**
 * Fan-outs of two instances joined as a shared one (Redis, say) would join them: each delivers
 * its own rooms' messages locally and hands them to the other instance as remote ones; the carrier
 * (`cross`) may queue what crosses instead, for the network to deliver in any order.
 */
export function linkedFanouts(cross: (deliver: () => void) => void = (deliver) => deliver()): [Fanout, Fanout] {
  const channels = [new LocalChannels(), new LocalChannels()]
  const fanout = (self: number): Fanout => ({
    publish(room, { payload, except, remoteOnly }) {
      if (!remoteOnly) for (const handler of channels[self]!.of(room)) handler({ kind: 'message', payload, except, remote: false })
      cross(() => {
        for (const handler of channels[1 - self]!.of(room)) handler({ kind: 'message', payload, except: null, remote: true, source: `instance-${self}` })
      })
    },
    async subscribe(room, handler) {
      channels[self]!.add(room, handler)
    },
    unsubscribe(room, handler) {
      channels[self]!.remove(room, handler)
    },
  })
  return [fanout(0), fanout(1)]
}

/** One message in flight, on a link that may go down. */
interface Packet {
  deliver(): void
  link: { readonly open: boolean }
}

/** The network: every message in flight, delivered in an order the seed decides. */
export class SimNetwork {
  private readonly inFlight: Packet[] = []
  /** The link between instances, which never goes down (a lost instance link is a reconnect to the store). */
  readonly backbone = { open: true }

  constructor(readonly random: Random) {}

  get pending(): number {
    return this.inFlight.length
  }

  send(link: Packet['link'], deliver: () => void): void {
    this.inFlight.push({ link, deliver })
  }

  /** Deliver one message chosen at random; false when nothing is in flight. */
  deliverOne(): boolean {
    if (this.inFlight.length === 0) return false
    const [packet] = this.inFlight.splice(int(this.random, 0, this.inFlight.length - 1), 1)
    if (packet!.link.open) packet!.deliver()
    return true
  }

  /** Forget what was in flight on a link that went down. */
  drop(link: SimLink): void {
    for (let i = this.inFlight.length - 1; i >= 0; i--) if (this.inFlight[i]!.link === link) this.inFlight.splice(i, 1)
  }
}

/** One connection between a client and the room: the server side is the room's `Peer`. */
export class SimLink implements Peer {
  open = true
  readonly grant = { role: 'edit' as const, user: null }
  closeCode: number | undefined
  private handler: ((message: IncomingMessage) => void) | undefined
  private readonly closeListeners: Array<() => void> = []

  constructor(
    private readonly network: SimNetwork,
    private readonly client: SimClient,
  ) {}

  get isOpen(): boolean {
    return this.open
  }

  /** Server → client. */
  send(message: Uint8Array | SharedFrame): void {
    if (!this.open) return
    const bytes = message instanceof Uint8Array ? message : message.message
    this.network.send(this, () => this.client.receive(bytes))
  }

  close(code: number): void {
    if (!this.open) return
    this.closeCode = code
    this.down()
  }

  onMessage(handler: (message: IncomingMessage) => void): void {
    this.handler = handler
  }

  onClose(listener: () => void): void {
    if (!this.open) listener()
    else this.closeListeners.push(listener)
  }

  /** Client → server, decoded as the server's connection would. */
  fromClient(bytes: Uint8Array): void {
    if (!this.open) return
    this.network.send(this, () => this.handler?.(decodeMessage(bytes)))
  }

  /** The connection breaks: what was in flight is lost, both ends notice. */
  down(): void {
    if (!this.open) return
    this.open = false
    this.network.drop(this)
    for (const listener of this.closeListeners.splice(0)) listener()
  }
}

/** A client: a Y.Doc that syncs with the room over whichever link it has. */
export class SimClient {
  readonly doc = new Y.Doc()
  link: SimLink | null = null

  constructor(
    private readonly network: SimNetwork,
    private readonly room: Room,
  ) {
    this.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin === this) return
      const encoder = encoding.createEncoder()
      encoding.writeVarUint(encoder, 0)
      syncProtocol.writeUpdate(encoder, update)
      this.link?.fromClient(encoding.toUint8Array(encoder))
    })
  }

  get text(): Y.Text {
    return this.doc.getText('content')
  }

  /** Open a new link and start the client half of the handshake (sync step 1), as y-websocket does. */
  connect(): void {
    const link = new SimLink(this.network, this)
    this.link = link
    this.room.attach(link)
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeSyncStep1(encoder, this.doc)
    link.fromClient(encoding.toUint8Array(encoder))
  }

  disconnect(): void {
    this.link?.down()
    this.link = null
  }

  /** A message from the server: sync messages answered as y-protocols does; awareness ignored. */
  receive(bytes: Uint8Array): void {
    const decoder = decoding.createDecoder(bytes)
    if (decoding.readVarUint(decoder) !== 0) return
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.readSyncMessage(decoder, encoder, this.doc, this)
    if (encoding.length(encoder) > 1) this.link?.fromClient(encoding.toUint8Array(encoder))
  }

  destroy(): void {
    this.disconnect()
    this.doc.destroy()
  }
}
