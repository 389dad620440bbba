/**
 * One room on this instance: its Y.Doc, its Awareness and the sockets attached to it. When an
 * update becomes durable is the commit queue's business (rooms/commit-queue.ts); how bytes are
 * framed and bounded is the connection's (sync/connection.ts).
 */
import * as Y from 'yjs'
import { CONTENT, CloseCode, type ActivityUser } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Connection } from '../sync/connection.js'
import { encodeSyncStep1, encodeSyncStep2, encodeSyncUpdate, type IncomingMessage } from '../sync/messages.js'
import { shareFrame } from '../sync/shared-frame.js'
import { AwarenessRelay, type AwarenessLimits } from './awareness-relay.js'
import { mergeByOrigin, type PendingUpdate } from './fan-out.js'
import { countTextChanges, type TextChanges } from './text-changes.js'

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
  awareness: AwarenessLimits
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
  private readonly presence: AwarenessRelay<Connection>
  private readonly connections = new Set<Connection>()
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
    try {
      this.doc.transact(() => {
        for (const update of stored) Y.applyUpdate(this.doc, update)
      })
    } catch (error) {
      // A stored update that does not apply: let the load fail.
      this.doc.destroy()
      throw new Error(`room ${name}: stored state does not apply: ${(error as Error).message}`, { cause: error })
    }
    this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onDocUpdate(update, origin))
    const text = this.doc.getText(CONTENT)
    this.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.changed.has(text as Y.AbstractType<any>)) this.onTextChange(countTextChanges(transaction, text), transaction.origin)
    })
    this.presence = new AwarenessRelay<Connection>(this.doc, context.awareness, {
      broadcast: (message) => this.broadcast(message, null),
      send: (connection, message) => connection.send(message),
      presenceChanged: (connection) => context.observer.presenceChanged(this, connection),
    })
  }

  get connectionCount(): number {
    return this.connections.size
  }

  /** Whether unloading now would lose nothing and strand no one. */
  get isIdle(): boolean {
    return this.connections.size === 0 && this.holds === 0 && this.pending.length === 0 && this.storageError === null
  }

  /** Whether everything applied to the doc is stored (nothing pending, no failed commit). */
  get isStored(): boolean {
    return this.pending.length === 0 && this.storageError === null
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
    const announced = this.presence.userOf(connection)
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
    if (this.isStored) callback()
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
    return this.presence.users()
  }

  /** Removed awareness ids whose clock is still remembered (pruned after a few minutes). */
  get tombstoneCount(): number {
    return this.presence.tombstoneCount
  }

  /**
   * Attach a socket and start the server half of the handshake: sync step 1, then the current
   * awareness states. The socket's awareness ids are removed when it closes, so no cursor
   * outlives its owner.
   */
  attach(connection: Connection): void {
    this.connections.add(connection)
    this.presence.attach(connection)
    connection.onMessage((message) => this.receive(connection, message))
    connection.onClose(() => this.detach(connection))
    connection.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    const states = this.presence.currentStates()
    if (states) connection.send(states)
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
    for (const connection of [...this.connections]) connection.close(code, reason)
    this.presence.destroy()
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
      case 'awareness': {
        const refusal = this.presence.receive(connection, message.update, message.entries)
        if (refusal) {
          this.context.metrics.error('awareness-limit')
          connection.close(refusal.code, refusal.reason, refusal.details)
        }
        return
      }
      case 'query-awareness': {
        const states = this.presence.currentStates()
        if (states) connection.send(states)
        return
      }
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

  private detach(connection: Connection): void {
    if (!this.connections.has(connection)) return
    this.context.observer.left(this, connection)
    this.connections.delete(connection)
    this.presence.detach(connection)
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

  /** Send one encoded message to every socket but `except`, framed once for all of them. */
  private broadcast(message: Uint8Array, except: Connection | null): void {
    const recipients = this.connections.size - (except && this.connections.has(except) ? 1 : 0)
    if (recipients === 0) return
    const outgoing = recipients === 1 ? message : shareFrame(message)
    for (const connection of this.connections) {
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
