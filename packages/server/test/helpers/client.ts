/**
 * Stock clients: the official y-websocket `WebsocketProvider` over `ws`, exactly what a browser
 * tab runs, with its doc and awareness destroyed after the test.
 */
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'
import type { Scope } from './scope.js'
import { waitUntil } from './wait.js'

export interface StockClient {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly provider: WebsocketProvider
  readonly text: Y.Text
  /** The underlying `ws` socket of the current connection. */
  readonly socket: WebSocket
  destroy(): void
}

export interface ClientOptions {
  /** Awareness `user` announced right after connecting; none when null. */
  user?: { name: string; color: string } | null
  doc?: Y.Doc
  /** URL query parameters, e.g. `{ token }`. */
  params?: Record<string, string>
  /** Wait for the first sync before resolving. Default true. */
  synced?: boolean
}

export async function connectClient(scope: Scope, wsUrl: string, room: string, options: ClientOptions = {}): Promise<StockClient> {
  const doc = options.doc ?? new Y.Doc()
  const awareness = new Awareness(doc)
  if (options.user !== null) awareness.setLocalStateField('user', options.user ?? { name: `user-${doc.clientID}`, color: '#30bced' })
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    awareness,
    // Node 20 has no global WebSocket; and BroadcastChannel would let same-process clients
    // sync without the server, hiding exactly what these tests look at.
    WebSocketPolyfill: WebSocket as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: options.params ?? {},
    maxBackoffTime: 200,
  })
  let destroyed = false
  const client: StockClient = {
    doc,
    awareness,
    provider,
    text: doc.getText('content'),
    get socket() {
      return provider.ws as unknown as WebSocket
    },
    destroy() {
      if (destroyed) return
      destroyed = true
      provider.destroy()
      awareness.destroy()
      doc.destroy()
    },
  }
  scope.defer(() => client.destroy())
  if (options.synced ?? true) await waitSynced(client)
  return client
}

/** Resolve once the provider has completed a sync with the server. */
export function waitSynced(client: StockClient, timeoutMs?: number): Promise<void> {
  return waitUntil(`client ${client.doc.clientID} synced`, () => client.provider.synced, {
    on: [[client.provider, 'sync']],
    timeoutMs,
  })
}

/** The client ids `client` currently sees in its awareness, own id included. */
export function seenIds(client: StockClient): number[] {
  return [...client.awareness.getStates().keys()].sort((a, b) => a - b)
}
