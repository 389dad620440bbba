/**
 * The load generator's clients. Stock clients (`y-websocket`'s WebsocketProvider, Hocuspocus's
 * HocuspocusProvider) each own a Y.Doc and apply what they receive, as a browser tab would. Raw
 * clients speak just enough of a wire protocol to connect and sync (the scale and cold-sync
 * scenarios) or send opaque messages (the relay floor), so the client process stays light.
 */
import * as Y from 'yjs'
import * as encoding from 'lib0/encoding'
import * as decoding from 'lib0/decoding'
import { WebSocket } from 'ws'
import { WebsocketProvider } from 'y-websocket'
import { HocuspocusProvider } from '@hocuspocus/provider'
import type { Protocol } from './targets.js'

/** A stock Yjs client: its doc, a promise for its first sync, and its socket's unsent bytes. */
export interface YjsClient {
  doc: Y.Doc
  text: Y.Text
  /** Resolves once synced with the server (through a relay: once the socket is open). */
  ready: Promise<void>
  buffered(): number
  destroy(): void
}

/** Connect a stock client of the kind `protocol` uses to `room`. */
export function connectYjs(protocol: Protocol, wsUrl: string, room: string): YjsClient {
  const doc = new Y.Doc()
  const text = doc.getText('content')
  if (protocol === 'hocuspocus') {
    // The provider hands its whole configuration to the socket it creates, polyfill included.
    const configuration = { url: wsUrl, name: room, document: doc, WebSocketPolyfill: WebSocket }
    const provider = new HocuspocusProvider(configuration as ConstructorParameters<typeof HocuspocusProvider>[0])
    const ready = new Promise<void>((resolve) => {
      if (provider.isSynced) resolve()
      provider.on('synced', () => resolve())
    })
    return {
      doc,
      text,
      ready,
      buffered: () => (provider.configuration.websocketProvider.webSocket as WebSocket | null)?.bufferedAmount ?? 0,
      destroy: () => {
        provider.destroy()
        doc.destroy()
      },
    }
  }
  if (protocol === 'relay-raw') throw new RangeError('relay-raw targets have no stock clients')
  // disableBc: Node 20 has a global BroadcastChannel, and without this the providers of one
  // process would sync with each other directly instead of through the server.
  const provider = new WebsocketProvider(wsUrl, room, doc, { WebSocketPolyfill: WebSocket as never, disableBc: true })
  const ready = new Promise<void>((resolve) => {
    if (protocol === 'relay-yjs') {
      // Nobody answers the first client's sync step 1 through a relay: open is as synced as it gets.
      provider.on('status', ({ status }: { status: string }) => status === 'connected' && resolve())
    } else {
      provider.on('sync', (synced: boolean) => synced && resolve())
    }
  })
  return {
    doc,
    text,
    ready,
    buffered: () => (provider.ws as unknown as WebSocket | null)?.bufferedAmount ?? 0,
    destroy: () => {
      provider.awareness.destroy()
      provider.destroy()
      doc.destroy()
    },
  }
}

const MESSAGE_SYNC = 0
const SYNC_STEP1 = 0
const SYNC_STEP2 = 1
const SYNC_UPDATE = 2
const HOCUSPOCUS_AUTH = 2
const HOCUSPOCUS_PING = 9
const HOCUSPOCUS_PONG = 10
/** What `@hocuspocus/provider` 4.8 announces in its auth message. */
const HOCUSPOCUS_PROVIDER_VERSION = '4.8.0'
const EMPTY_STATE_VECTOR = Y.encodeStateVector(new Y.Doc())
const EMPTY_UPDATE = Y.encodeStateAsUpdate(new Y.Doc())

/** Frame a sync message for `protocol` (Hocuspocus prefixes every message with the document name). */
export function encodeSync(protocol: Protocol, room: string, step: number, payload: Uint8Array): Uint8Array {
  const encoder = encoding.createEncoder()
  if (protocol === 'hocuspocus') encoding.writeVarString(encoder, room)
  encoding.writeVarUint(encoder, MESSAGE_SYNC)
  encoding.writeVarUint(encoder, step)
  encoding.writeVarUint8Array(encoder, payload)
  return encoding.toUint8Array(encoder)
}

function encodeHocuspocusAuth(room: string): Uint8Array {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, room)
  encoding.writeVarUint(encoder, HOCUSPOCUS_AUTH)
  encoding.writeVarUint(encoder, 0) // AuthMessageType.Token
  encoding.writeVarString(encoder, '')
  encoding.writeVarString(encoder, HOCUSPOCUS_PROVIDER_VERSION)
  return encoding.toUint8Array(encoder)
}

/** A raw client that connects and syncs as a fresh, empty stock client would. */
export interface RawSyncClient {
  socket: WebSocket
  /** Resolves when the server's answer to our sync step 1 (its state message) has arrived. */
  synced: Promise<{ atMs: number; bytes: number }>
  /** Send a sync update (a live change) to the server. */
  sendUpdate(update: Uint8Array): void
  /** Send our own sync step 1 again; `synced`-like promise for the answer. */
  requestState(stateVector: Uint8Array): Promise<{ atMs: number; bytes: number }>
  close(): void
}

/**
 * Open a raw client. Against `y-websocket`-protocol servers it answers the server's sync step 1
 * with an empty step 2 and sends its own empty step 1, as a fresh stock client does; against
 * Hocuspocus it first sends the auth message the provider sends. Through a relay nobody answers:
 * `synced` resolves on open.
 */
export function connectRaw(protocol: Protocol, wsUrl: string, room: string): RawSyncClient {
  const path = protocol === 'hocuspocus' ? '' : `/${room}`
  const socket = new WebSocket(`${wsUrl}${path}`, { perMessageDeflate: false })
  const waiting: Array<(answer: { atMs: number; bytes: number }) => void> = []
  const started = performance.now()
  const synced = new Promise<{ atMs: number; bytes: number }>((resolve, reject) => {
    socket.once('error', reject)
    socket.once('close', (code) => reject(new Error(`closed with ${code} before sync`)))
    if (protocol === 'relay-raw' || protocol === 'relay-yjs') {
      socket.once('open', () => resolve({ atMs: performance.now() - started, bytes: 0 }))
      return
    }
    waiting.push(resolve)
  })
  synced.catch(() => undefined)
  socket.binaryType = 'nodebuffer'
  socket.on('open', () => {
    if (protocol === 'relay-raw' || protocol === 'relay-yjs') return
    if (protocol === 'hocuspocus') socket.send(encodeHocuspocusAuth(room))
    socket.send(encodeSync(protocol, room, SYNC_STEP1, EMPTY_STATE_VECTOR))
  })
  socket.on('message', (data: Buffer) => {
    if (protocol === 'relay-raw' || protocol === 'relay-yjs') return
    if (protocol === 'hocuspocus' && data.length === 1 && data[0] === HOCUSPOCUS_PING) {
      socket.send(Uint8Array.of(HOCUSPOCUS_PONG))
      return
    }
    const decoder = decoding.createDecoder(data)
    if (protocol === 'hocuspocus') decoding.readVarString(decoder)
    if (decoding.readVarUint(decoder) !== MESSAGE_SYNC) return
    const step = decoding.readVarUint(decoder)
    if (step === SYNC_STEP1) socket.send(encodeSync(protocol, room, SYNC_STEP2, EMPTY_UPDATE))
    else if (step === SYNC_STEP2) waiting.shift()?.({ atMs: performance.now() - started, bytes: data.byteLength })
  })
  return {
    socket,
    synced,
    sendUpdate: (update) => socket.send(encodeSync(protocol, room, SYNC_UPDATE, update)),
    requestState(stateVector) {
      const answer = new Promise<{ atMs: number; bytes: number }>((resolve) => waiting.push(resolve))
      socket.send(encodeSync(protocol, room, SYNC_STEP1, stateVector))
      return answer
    },
    close: () => socket.terminate(),
  }
}

/** A relay client sending and receiving opaque binary messages. */
export function connectOpaque(wsUrl: string, room: string, onMessage: (data: Buffer) => void): { socket: WebSocket; open: Promise<void> } {
  const socket = new WebSocket(`${wsUrl}/${room}`, { perMessageDeflate: false })
  socket.binaryType = 'nodebuffer'
  socket.on('message', (data: Buffer) => onMessage(data))
  const open = new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve())
    socket.once('error', reject)
  })
  return { socket, open }
}

/** Run `tasks` with at most `limit` in flight. */
export async function pool<T>(count: number, limit: number, task: (index: number) => Promise<T>): Promise<T[]> {
  const results: T[] = new Array(count)
  let next = 0
  async function worker() {
    while (next < count) {
      const index = next++
      results[index] = await task(index)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, count) }, worker))
  return results
}

/** Resolve `promise`, or reject after `ms` with `what` in the message. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<T>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} did not happen within ${ms} ms`)), ms)
    }),
  ])
}
