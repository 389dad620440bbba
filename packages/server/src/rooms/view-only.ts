/**
 * The `view` role inside a room: a view peer receives the document, but nothing it sends
 * changes it. Its sync step 2 (which a stock client always sends, with its delete set) is ignored
 * silently; a live update that would change the document is dropped and logged, and after a few
 * such attempts the peer is closed with 4403.
 */
import * as Y from 'yjs'
import { CloseCode } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Peer } from './peer.js'

/** Updates a `view` peer may try before it is closed. */
const VIOLATIONS_BEFORE_CLOSE = 3

export class ViewOnlyPolicy {
  private readonly violations = new WeakMap<Peer, number>()

  constructor(
    private readonly room: string,
    private readonly log: Logger,
    private readonly metrics: Metrics,
  ) {}

  /** A live update from a view peer: never applied; counted against it if it would change `doc`. */
  refuse(peer: Peer, doc: Y.Doc, update: Uint8Array): void {
    if (!wouldChange(doc, update)) return
    const attempts = (this.violations.get(peer) ?? 0) + 1
    this.violations.set(peer, attempts)
    this.metrics.error('view-only')
    this.log.warn({ room: this.room, attempts }, 'update from a view connection dropped')
    if (attempts >= VIOLATIONS_BEFORE_CLOSE) peer.close(CloseCode.viewOnly, 'view-only connection sent updates')
  }
}

/** Whether applying `update` would add structs the doc lacks or delete anything. */
function wouldChange(doc: Y.Doc, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update)
  if (ds.clients.size > 0) return true
  const state = Y.decodeStateVector(Y.encodeStateVector(doc))
  return structs.some((struct) => struct.id.clock + struct.length > (state.get(struct.id.client) ?? 0))
}
