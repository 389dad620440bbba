/**
 * One room on this instance: its Y.Doc, its Awareness and the sockets attached to it. When an
 * update becomes durable is the commit queue's business (rooms/commit-queue.ts); how bytes are
 * framed and bounded is the connection's (sync/connection.ts).
 */
import * as Y from 'yjs'
import * as awarenessProtocol from 'y-protocols/awareness'
import { CloseCode, type ActivityUser } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Connection } from '../sync/connection.js'
import {
  encodeAwarenessEntries,
  encodeAwarenessMessage,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type AwarenessEntry,
  type IncomingMessage,
} from '../sync/messages.js'
import { shareFrame } from '../sync/shared-frame.js'
import { mergeByOrigin, type PendingUpdate } from './fan-out.js'
import { countTextChanges, type TextChanges } from './text-changes.js'

/** The name of the shared text every editor binds to. */
export const CONTENT = 'content'

/** Where a room hands its updates to be stored before anyone else sees them. */
export interface CommitScheduler {
  schedule(room: Room): void
}

/**
 * What happens in a room, for the activity log and the live replicas. Observations cannot veto:
 * the room has already done what they report.
 */
export interface RoomObserver {
  joined(room: Room, connection: Connection): void
  left(room: Room, connection: Connection): void
  /** The awareness states a connection controls changed, so its user may now be known. */
  presenceChanged(room: Room, connection: Connection): void
  /** Characters inserted and deleted in `content` by one transaction from `origin`. */
  edited(room: Room, origin: Connection | null, inserted: number, deleted: number): void
  /** Updates are stored and relayed. */
  committed(room: Room, updates: readonly Uint8Array[]): void
}

export interface RoomContext {
  log: Logger
  metrics: Metrics
  commits: CommitScheduler
  observer: RoomObserver
  /** Called whenever the room's last connection leaves or a commit completes with none attached. */
  onIdle(room: Room): void
}

/** Updates a `view` connection may try before it is closed with 4403. */
const VIEW_VIOLATIONS_BEFORE_CLOSE = 3

/** A state vector that knows nothing: what a fresh client sends in sync step 1. */
const EMPTY_STATE_VECTOR_LENGTH = 1

export class Room {
  // The room name as guid: a random one is never needed and costs a uuid per load.
  readonly doc: Y.Doc
  readonly awareness: awarenessProtocol.Awareness
  /** Each socket with the awareness client ids it introduced. */
  private readonly connections = new Map<Connection, Set<number>>()
  /** Updates applied but not yet stored, in order. */
  private pending: PendingUpdate<Connection | null>[] = []
  /** Callbacks waiting until everything applied so far is stored. */
  private waitingForCommit: Array<() => void> = []
  /** Sync step 2 for a fresh client, valid until the next update. */
  private fullStateMessage: Uint8Array | null = null
  /** The whole document as one update, valid until the next update. */
  private stateUpdate: Uint8Array | null = null
  /** Holders other than sockets (an HTTP read, a live replica) keeping the room loaded. */
  private holds = 0
  /** Error of the last failed commit; cleared by the next successful one. */
  storageError: Error | null = null
  updatedAt = Date.now()

  constructor(
    readonly name: string,
    stored: readonly Uint8Array[],
    private readonly context: RoomContext,
  ) {
    this.doc = new Y.Doc({ guid: name })
    this.awareness = new awarenessProtocol.Awareness(this.doc)
    this.awareness.setLocalState(null)
    try {
      this.doc.transact(() => {
        for (const update of stored) Y.applyUpdate(this.doc, update)
      })
    } catch (error) {
      // A stored update that does not apply: free the awareness timer, let the load fail.
      this.awareness.destroy()
      this.doc.destroy()
      throw new Error(`room ${name}: stored state does not apply: ${(error as Error).message}`, { cause: error })
    }
    this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onDocUpdate(update, origin))
    const text = this.doc.getText(CONTENT)
    this.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.changed.has(text as Y.AbstractType<any>)) this.onTextChange(countTextChanges(transaction, text), transaction.origin)
    })
    this.awareness.on('update', (changes: AwarenessChanges, origin: unknown) => this.onAwarenessUpdate(changes, origin))
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Whether unloading now would lose nothing and strand no one. */
  get isIdle(): boolean {
    return this.connections.size === 0 && this.holds === 0 && this.pending.length === 0 && this.storageError === null
  }

  /** Keep the room loaded until the matching `unhold`. */
  hold(): void {
    this.holds++
  }

  unhold(): void {
    this.holds--
  }

  /** The user a connection announced in its awareness state, if any. */
  userOf(connection: Connection): ActivityUser {
    let announced: ActivityUser = null
    for (const id of this.connections.get(connection) ?? []) {
      announced = toUser(this.awareness.getStates().get(id))
      if (announced) break
    }
    // A token's identity wins over what the client announces; the colour is the client's choice.
    const token = connection.grant.user
    if (token) return { name: token.name, color: announced?.color ?? null }
    return announced
  }

  /** The whole document as one update, encoded once per change however many ask. */
  encodedState(): Uint8Array {
    return (this.stateUpdate ??= Y.encodeStateAsUpdate(this.doc))
  }

  /**
   * Run `callback` once everything applied so far is stored (at once if it is): nothing leaves
   * the server before it would survive a crash.
   */
  whenStored(callback: () => void): void {
    if (this.pending.length === 0 && this.storageError === null) callback()
    else this.waitingForCommit.push(callback)
  }

  /** Length of the shared text, without building the string. */
  get length(): number {
    return this.doc.getText(CONTENT).length
  }

  text(): string {
    return this.doc.getText(CONTENT).toString()
  }

  /** The users present, from their awareness `user` fields. */
  users(): Array<NonNullable<ActivityUser>> {
    const users: Array<NonNullable<ActivityUser>> = []
    for (const state of this.awareness.getStates().values()) {
      const user = toUser(state)
      if (user) users.push(user)
    }
    return users
  }

  /**
   * Attach a socket and start the server half of the handshake: sync step 1, then the current
   * awareness states. The socket's awareness ids are removed when it closes, so no cursor
   * outlives its owner.
   */
  attach(connection: Connection): void {
    this.connections.set(connection, new Set())
    connection.onMessage((message) => this.receive(connection, message))
    connection.onClose(() => this.detach(connection))
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    if (this.awareness.getStates().size > 0) {
      connection.send(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])))
    }
    this.context.observer.joined(this, connection)
  }

  /** Take the updates to store in this commit, merged per origin. */
  takePending(): PendingUpdate<Connection | null>[] {
    const pending = this.pending
    this.pending = []
    return pending.length > 1 ? mergeByOrigin(pending) : pending
  }

  /** The commit of `updates` succeeded: relay them, then release whoever waited for it. */
  committed(updates: readonly PendingUpdate<Connection | null>[]): void {
    this.storageError = null
    this.updatedAt = Date.now()
    for (const { update, origin } of updates) this.broadcast(encodeSyncUpdate(update), origin)
    this.context.observer.committed(this, updates.map(({ update }) => update))
    if (this.pending.length === 0) {
      for (const callback of this.waitingForCommit.splice(0)) callback()
    }
    if (this.isIdle) this.context.onIdle(this)
  }

  /**
   * The commit of `updates` failed: nothing is relayed, the sockets that sent them are closed
   * with 1011, and the updates go back in front of the queue to be retried.
   */
  commitFailed(updates: readonly PendingUpdate<Connection | null>[], error: Error): void {
    this.storageError = error
    this.pending = [...updates, ...this.pending]
    const origins = new Set(updates.map((update) => update.origin))
    for (const origin of origins) {
      if (origin && this.connections.has(origin)) {
        origin.close(CloseCode.storageFailure, 'storage failure', { error: error.message })
      }
    }
  }

  /** Close every socket (shutdown) and free the doc; the room must not be used afterwards. */
  destroy(code: number = CloseCode.shutdown, reason = 'server shutting down'): void {
    for (const connection of [...this.connections.keys()]) connection.close(code, reason)
    this.awareness.destroy()
    this.doc.destroy()
  }

  private receive(connection: Connection, message: IncomingMessage): void {
    switch (message.type) {
      case 'sync-step1':
        this.answerSyncStep1(connection, message.stateVector)
        return
      case 'sync-step2':
        // A stock client always answers our step 1, with its delete set at least: from a
        // `view` connection that answer is ignored, silently.
        if (connection.grant.role === 'view') return
        Y.applyUpdate(this.doc, message.update, connection)
        return
      case 'sync-update':
        if (connection.grant.role === 'view') return this.refuseViewUpdate(connection, message.update)
        Y.applyUpdate(this.doc, message.update, connection)
        return
      case 'awareness':
        this.receiveAwareness(connection, message.update, message.entries)
        return
      case 'query-awareness':
        connection.send(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, [...this.awareness.getStates().keys()])))
        return
    }
  }

  /**
   * A `view` connection sent a live update: dropped, never applied, stored or relayed. One that
   * would change the document is logged, and after a few the socket is closed with 4403.
   */
  private refuseViewUpdate(connection: Connection, update: Uint8Array): void {
    if (!wouldChange(this.doc, update)) return
    connection.viewViolations++
    this.context.metrics.error('view-only')
    this.context.log.warn({ room: this.name, attempts: connection.viewViolations }, 'update from a view connection dropped')
    if (connection.viewViolations >= VIEW_VIOLATIONS_BEFORE_CLOSE) {
      connection.close(CloseCode.viewOnly, 'view-only connection sent updates')
    }
  }

  /** Answer with what the client lacks, but only once all of it is stored. */
  private answerSyncStep1(connection: Connection, stateVector: Uint8Array): void {
    this.whenStored(() => {
      if (!connection.isOpen) return
      if (stateVector.byteLength === EMPTY_STATE_VECTOR_LENGTH) {
        this.fullStateMessage ??= encodeSyncStep2(this.encodedState())
        connection.send(this.fullStateMessage)
      } else {
        connection.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector)))
      }
    })
  }

  /**
   * Apply an awareness update. A client that reconnects re-announces its old id with its old
   * clock, which the removal on disconnect has outdated; answer it with that removal (the
   * tombstone) so it bumps its clock and everyone sees it again at once.
   */
  private receiveAwareness(connection: Connection, update: Uint8Array, entries: readonly AwarenessEntry[]): void {
    const tombstones: AwarenessEntry[] = []
    for (const { clientID, clock, state } of entries) {
      if (state === null || this.awareness.states.has(clientID)) continue
      const known = this.awareness.meta.get(clientID)
      if (known && known.clock >= clock) tombstones.push({ clientID, clock: known.clock, state: null })
    }
    awarenessProtocol.applyAwarenessUpdate(this.awareness, update, connection)
    if (tombstones.length > 0) connection.send(encodeAwarenessMessage(encodeAwarenessEntries(tombstones)))
  }

  private detach(connection: Connection): void {
    const ids = this.connections.get(connection)
    if (!ids) return
    this.context.observer.left(this, connection)
    this.connections.delete(connection)
    if (ids.size > 0) awarenessProtocol.removeAwarenessStates(this.awareness, [...ids], null)
    if (this.isIdle) this.context.onIdle(this)
  }

  private onDocUpdate(update: Uint8Array, origin: unknown): void {
    this.fullStateMessage = null
    this.stateUpdate = null
    this.pending.push({ update, origin: (origin as Connection | null) ?? null })
    this.context.metrics.updates.inc()
    this.context.commits.schedule(this)
  }

  private onTextChange({ inserted, deleted }: TextChanges, origin: unknown): void {
    const connection = origin instanceof Object && this.connections.has(origin as Connection) ? (origin as Connection) : null
    if (inserted > 0 || deleted > 0) this.context.observer.edited(this, connection, inserted, deleted)
  }

  /** Relay awareness changes to every socket, the sender included (see the contract's liveness). */
  private onAwarenessUpdate({ added, updated, removed }: AwarenessChanges, origin: unknown): void {
    const ids = origin ? this.connections.get(origin as Connection) : undefined
    if (ids) {
      for (const id of added) ids.add(id)
      for (const id of updated) ids.add(id)
      for (const id of removed) ids.delete(id)
      this.context.observer.presenceChanged(this, origin as Connection)
    }
    const changed = [...added, ...updated, ...removed]
    this.broadcast(encodeAwarenessMessage(awarenessProtocol.encodeAwarenessUpdate(this.awareness, changed)), null)
  }

  /** Send one encoded message to every socket but `except`, framed once for all of them. */
  private broadcast(message: Uint8Array, except: Connection | null): void {
    const recipients = this.connections.size - (except && this.connections.has(except) ? 1 : 0)
    if (recipients === 0) return
    const outgoing = recipients === 1 ? message : shareFrame(message)
    for (const connection of this.connections.keys()) {
      if (connection !== except) connection.send(outgoing)
    }
  }
}

/** Whether applying `update` would add structs the doc lacks or delete anything. */
function wouldChange(doc: Y.Doc, update: Uint8Array): boolean {
  const { structs, ds } = Y.decodeUpdate(update)
  if (ds.clients.size > 0) return true
  const state = Y.decodeStateVector(Y.encodeStateVector(doc))
  return structs.some((struct) => struct.id.clock + struct.length > (state.get(struct.id.client) ?? 0))
}

/** The `{ user: { name, color } }` of an awareness state (y-codemirror.next's convention), if present. */
function toUser(state: unknown): ActivityUser {
  const user = (state as { user?: { name?: unknown; color?: unknown } } | undefined)?.user
  if (!user || typeof user.name !== 'string') return null
  return { name: user.name, color: typeof user.color === 'string' ? user.color : null }
}

interface AwarenessChanges {
  added: number[]
  updated: number[]
  removed: number[]
}
