/**
 * A room's awareness as the server relays it: which socket owns which client ids, the
 * tombstones of removed ids, and the shape of what goes out. Awareness comes from clients, so
 * all of it is bounded here:
 *
 * - a socket may own at most `maxIdsPerConnection` client ids, and no state may be larger than
 *   `maxStateBytes` of JSON: past either, the socket is refused (the room closes it);
 * - tombstones (y-protocols' `meta` of removed ids, which it keeps forever) are pruned once
 *   older than `tombstoneTtlMs`;
 * - changes are coalesced and sent to every socket at most once per `relayIntervalMs` (the
 *   first at once), so one socket flooding updates costs its sender alone: the stock client
 *   re-sends every awareness update it receives, and an unshaped flood would make innocent
 *   clients look like flooders too. A removal (a socket closed) goes out at once.
 *
 * Which sockets exist and how bytes reach them is the room's business.
 */
import * as awarenessProtocol from 'y-protocols/awareness'
import type * as Y from 'yjs'
import { CloseCode, readAwarenessUser, type ActivityUser } from '@cowrite/protocol'
import { encodeAwarenessMessage, type AwarenessEntry } from '../sync/messages.js'

export interface AwarenessLimits {
  /** Client ids one socket may own. */
  maxIdsPerConnection: number
  /** Largest awareness state, in characters of its JSON. */
  maxStateBytes: number
  /** How long a removed id's clock is remembered (the contract's "few minutes"). */
  tombstoneTtlMs: number
  /** Shortest interval between two relayed awareness messages of a room. */
  relayIntervalMs: number
}

export const AWARENESS_DEFAULTS: AwarenessLimits = {
  maxIdsPerConnection: 8,
  maxStateBytes: 32 * 1024,
  tombstoneTtlMs: 5 * 60_000,
  relayIntervalMs: 50,
}

/** Where the relay's messages go: everyone in the room (every instance), this instance's sockets, or one. */
export interface AwarenessOutlet<Peer> {
  broadcast(message: Uint8Array): void
  deliver(message: Uint8Array): void
  send(peer: Peer, message: Uint8Array): void
  /** The states a peer owns changed (its user may now be known). */
  presenceChanged(peer: Peer): void
}

/** Why a socket's awareness update was refused: the room closes it with this code. */
export interface AwarenessRefusal {
  code: number
  reason: string
  details: Record<string, unknown>
}

interface AwarenessChanges {
  added: number[]
  updated: number[]
  removed: number[]
}

export class AwarenessRelay<Peer> {
  readonly awareness: awarenessProtocol.Awareness
  /** Each socket with the client ids it owns. */
  private readonly owners = new Map<Peer, Set<number>>()
  /** Ids changed here since the last relayed message. */
  private readonly changed = new Set<number>()
  /** Ids changed by other instances since then: relayed to this instance's sockets only. */
  private readonly changedRemotely = new Set<number>()
  /** The instance whose sockets own each remote id. */
  private readonly sources = new Map<number, string>()
  private relayTimer: NodeJS.Timeout | undefined
  private lastRelay = -Infinity
  private readonly pruneTimer: NodeJS.Timeout

  constructor(
    doc: Y.Doc,
    private readonly limits: AwarenessLimits,
    private readonly outlet: AwarenessOutlet<Peer>,
  ) {
    this.awareness = new awarenessProtocol.Awareness(doc)
    this.awareness.setLocalState(null)
    this.awareness.on('update', (changes: AwarenessChanges, origin: unknown) => this.onUpdate(changes, origin))
    this.pruneTimer = setInterval(() => this.pruneTombstones(), Math.max(1_000, limits.tombstoneTtlMs / 2))
    this.pruneTimer.unref()
  }

  /** Start tracking a socket's ids. */
  attach(peer: Peer): void {
    this.owners.set(peer, new Set())
  }

  /** Remove the states a socket introduced and tell everyone at once. */
  detach(peer: Peer): void {
    const ids = this.owners.get(peer)
    this.owners.delete(peer)
    if (ids && ids.size > 0) {
      awarenessProtocol.removeAwarenessStates(this.awareness, [...ids], null)
      this.relayNow()
    }
  }

  /** The ids a socket owns. */
  idsOf(peer: Peer): ReadonlySet<number> {
    return this.owners.get(peer) ?? new Set()
  }

  /** Every current state as one awareness message, or null when there is none. */
  currentStates(): Uint8Array | null {
    const ids = [...this.awareness.getStates().keys()]
    return ids.length === 0 ? null : encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids))
  }

  /** The first user a socket announced, if any. */
  userOf(peer: Peer): ActivityUser {
    for (const id of this.idsOf(peer)) {
      const user = readAwarenessUser(this.awareness.getStates().get(id))
      if (user) return user
    }
    return null
  }

  /** The users present, from their awareness `user` fields. */
  users(): Array<NonNullable<ActivityUser>> {
    const users: Array<NonNullable<ActivityUser>> = []
    for (const state of this.awareness.getStates().values()) {
      const user = readAwarenessUser(state)
      if (user) users.push(user)
    }
    return users
  }

  /** Removed ids whose clock is still remembered. */
  get tombstoneCount(): number {
    let count = 0
    for (const id of this.awareness.meta.keys()) if (this.isTombstone(id)) count++
    return count
  }

  /**
   * Apply a socket's awareness update, or refuse it (nothing applied) when it would break a
   * limit. A client that reconnects re-announces its old id with its old clock, which the removal
   * on disconnect has outdated; it is answered with that removal (the tombstone) so it bumps its
   * clock and everyone sees it again at once.
   */
  receive(peer: Peer, update: Uint8Array, entries: readonly AwarenessEntry[]): AwarenessRefusal | null {
    const owned = this.owners.get(peer)
    if (!owned) return null
    const refusal = this.check(owned, entries)
    if (refusal) return refusal
    const tombstones: number[] = []
    for (const { clientID, clock, state } of entries) {
      if (state === null || this.awareness.states.has(clientID)) continue
      const known = this.awareness.meta.get(clientID)
      if (known && known.clock >= clock) tombstones.push(clientID)
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, peer)
    // A removed id encodes as its tombstone: a null state at the clock the removal left.
    const stillRemoved = tombstones.filter((id) => !this.awareness.states.has(id))
    if (stillRemoved.length > 0) this.outlet.send(peer, encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, stillRemoved)))
    return null
  }

  /** Apply an awareness update from another instance (its sockets' states, bounded there). */
  receiveRemote(update: Uint8Array, source: string): void {
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, { source })
  }

  /** Remove the states another instance relayed: it stopped, and its sockets with it. */
  forgetSource(source: string): void {
    const ids = [...this.sources].filter(([, owner]) => owner === source).map(([id]) => id)
    if (ids.length > 0) awarenessProtocol.removeAwarenessStates(this.awareness, ids, { source })
  }

  /** Stop the timers; the relay must not be used afterwards. */
  destroy(): void {
    clearTimeout(this.relayTimer)
    clearInterval(this.pruneTimer)
    this.awareness.destroy()
  }

  /** Whether applying `entries` would take the socket past a limit. */
  private check(owned: ReadonlySet<number>, entries: readonly AwarenessEntry[]): AwarenessRefusal | null {
    let claimed = owned.size
    for (const { clientID, clock, state, size } of entries) {
      if (state === null) continue
      if ((size ?? 0) > this.limits.maxStateBytes) {
        return { code: CloseCode.tooBig, reason: 'awareness state too big', details: { clientID, size, limit: this.limits.maxStateBytes } }
      }
      // Only a newer clock changes anything: an echo of another socket's state claims nothing.
      const known = this.awareness.meta.get(clientID)
      if (!owned.has(clientID) && (!known || known.clock < clock)) claimed++
    }
    if (claimed > this.limits.maxIdsPerConnection) {
      return { code: CloseCode.policyViolation, reason: 'too many awareness client ids', details: { claimed, limit: this.limits.maxIdsPerConnection } }
    }
    return null
  }

  private onUpdate({ added, updated, removed }: AwarenessChanges, origin: unknown): void {
    const remote = (origin as { source?: unknown } | null)?.source
    if (typeof remote === 'string') {
      for (const id of [...added, ...updated]) this.sources.set(id, remote)
      for (const id of removed) this.sources.delete(id)
      for (const id of [...added, ...updated, ...removed]) this.changedRemotely.add(id)
      return this.scheduleRelay()
    }
    const ids = origin === null ? undefined : this.owners.get(origin as Peer)
    if (ids) {
      // An id moves to the socket that last changed it (a client reconnecting on a new socket).
      for (const id of [...added, ...updated]) {
        if (ids.has(id)) continue
        for (const other of this.owners.values()) other.delete(id)
        ids.add(id)
      }
      this.outlet.presenceChanged(origin as Peer)
    }
    // Removed by anyone (its owner, or y-protocols' own timeout for a state not renewed in 30 s).
    for (const id of removed) {
      this.sources.delete(id)
      for (const owned of this.owners.values()) owned.delete(id)
    }
    for (const id of added) this.changed.add(id)
    for (const id of updated) this.changed.add(id)
    for (const id of removed) this.changed.add(id)
    this.scheduleRelay()
  }

  private scheduleRelay(): void {
    if (this.relayTimer !== undefined || (this.changed.size === 0 && this.changedRemotely.size === 0)) return
    const wait = Math.max(0, this.lastRelay + this.limits.relayIntervalMs - performance.now())
    this.relayTimer = setTimeout(() => {
      this.relayTimer = undefined
      this.relayNow()
    }, wait)
  }

  /** Send every pending change to every socket, the senders included (the contract's liveness). */
  private relayNow(): void {
    clearTimeout(this.relayTimer)
    this.relayTimer = undefined
    // An id whose tombstone was pruned meanwhile has nothing left to say. What other instances
    // changed goes to this instance's sockets only: handing it back to them would echo it.
    const ids = [...this.changed].filter((id) => this.awareness.meta.has(id))
    const remoteIds = [...this.changedRemotely].filter((id) => !this.changed.has(id) && this.awareness.meta.has(id))
    this.changed.clear()
    this.changedRemotely.clear()
    if (ids.length === 0 && remoteIds.length === 0) return
    this.lastRelay = performance.now()
    if (ids.length > 0) this.outlet.broadcast(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, ids)))
    if (remoteIds.length > 0) this.outlet.deliver(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, remoteIds)))
  }

  /** Forget the clocks of ids removed longer than the TTL ago. */
  private pruneTombstones(): void {
    const cutoff = Date.now() - this.limits.tombstoneTtlMs
    for (const [id, { lastUpdated }] of this.awareness.meta) {
      if (this.isTombstone(id) && lastUpdated < cutoff) this.awareness.meta.delete(id)
    }
  }

  /** A remote id that was removed (the server's own, stateless id is none). */
  private isTombstone(id: number): boolean {
    return id !== this.awareness.clientID && !this.awareness.states.has(id)
  }
}
