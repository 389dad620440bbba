/**
 * Stock clients: the official y-websocket `WebsocketProvider` over `ws`, exactly what a browser
 * tab runs, in Node. Waiting for the first sync and destroying the client after the test are left
 * to the caller, which knows its own waiting and teardown helpers.
 */
import { CONTENT } from '@cowrite/protocol'
import * as Y from 'yjs'
import { Awareness } from 'y-protocols/awareness'
import { WebsocketProvider } from 'y-websocket'
import { WebSocket } from 'ws'

export interface StockClient {
  readonly doc: Y.Doc
  readonly awareness: Awareness
  readonly provider: WebsocketProvider
  /** The document's text (`CONTENT`), the one the editor edits. */
  readonly text: Y.Text
  /** The underlying `ws` socket of the current connection. */
  readonly socket: WebSocket
  /** Destroy the provider, the awareness and the doc; calling it again does nothing. */
  destroy(): void
}

export interface StockClientOptions {
  /** Awareness `user` announced right after connecting; none when null. Default: a name from the client id. */
  user?: { name: string; color: string } | null
  doc?: Y.Doc
  /** URL query parameters, e.g. `{ token }`. */
  params?: Record<string, string>
  /** The WebSocket class to connect with (a `wss://` test passes one trusting its certificate). Default `ws`'s. */
  WebSocketPolyfill?: typeof WebSocket
}

/**
 * y-websocket adds one process `exit` listener per provider in Node and removes it on `destroy`,
 * so a test holding more than ten clients at once trips Node's leak warning without leaking
 * anything. Each live stock client raises the limit by the one listener it owns, and gives it
 * back when destroyed; a limit turned off (0 or Infinity) is left alone.
 */
function holdExitListener(): () => void {
  const limit = process.getMaxListeners()
  if (limit === 0 || limit === Infinity) return () => {}
  process.setMaxListeners(limit + 1)
  return () => process.setMaxListeners(process.getMaxListeners() - 1)
}

/** Connect to `room` at `wsUrl` (`ws://HOST:PORT`); the provider starts connecting at once. */
export function createStockClient(wsUrl: string, room: string, options: StockClientOptions = {}): StockClient {
  const doc = options.doc ?? new Y.Doc()
  const awareness = new Awareness(doc)
  if (options.user !== null) awareness.setLocalStateField('user', options.user ?? { name: `user-${doc.clientID}`, color: '#30bced' })
  const releaseExitListener = holdExitListener()
  const provider = new WebsocketProvider(wsUrl, room, doc, {
    awareness,
    // Node 20 has no global WebSocket; and BroadcastChannel would let same-process clients
    // sync without the server, hiding exactly what these tests look at.
    WebSocketPolyfill: (options.WebSocketPolyfill ?? WebSocket) as unknown as typeof globalThis.WebSocket,
    disableBc: true,
    params: options.params ?? {},
    maxBackoffTime: 200,
  })
  let destroyed = false
  return {
    doc,
    awareness,
    provider,
    text: doc.getText(CONTENT),
    get socket() {
      return provider.ws as unknown as WebSocket
    },
    destroy() {
      if (destroyed) return
      destroyed = true
      provider.destroy()
      releaseExitListener()
      awareness.destroy()
      doc.destroy()
    },
  }
}
