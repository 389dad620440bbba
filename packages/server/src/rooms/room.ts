/**
 * One room on this instance: its Y.Doc, the peers attached to it and the sync protocol between
 * them. Its awareness is the relay's (awareness-relay.ts), what `view` peers may do is the
 * policy's (view-only.ts), when an update becomes durable is the commit queue's
 * (commit-queue.ts), and who receives what it relays is the fan-out's (fanout/), to which the
 * registry subscribes it.
 *
 * One update's path: a peer's message is applied to the doc; the doc's `update` goes to the commit
 * queue with the text changes it made; once stored, it is published to the room's fan-out
 * channel (which writes it to every other peer) and reported to the observer (activity, replicas).
 */
import * as Y from 'yjs'
import { CONTENT, CloseCode, META, TITLE, summarizeTitle, type ActivityUser } from '@cowrite/protocol'
import type { Fanout, FanoutMessage, InstanceGone } from '../fanout/fanout.js'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import {
  ProtocolError,
  decodeMessage,
  encodeQueryAwareness,
  encodeSyncStep1,
  encodeSyncStep2,
  encodeSyncUpdate,
  type IncomingMessage,
} from '../sync/messages.js'
import { shareFrame } from '../sync/shared-frame.js'
import { AwarenessRelay, type AwarenessLimits } from './awareness-relay.js'
import type { CommitQueue, UpdateOrigin } from './commit-queue.js'
import type { PendingUpdate } from './merge-updates.js'
import type { Peer } from './peer.js'
import { replaceTextMinimally } from './text-diff.js'
import { countTextChanges, type TextChanges } from './text-changes.js'
import { ViewOnlyPolicy } from './view-only.js'
import { Writer } from './writer.js'

/**
 * What a room's history or an operation on the room did, for the activity log, each reported once
 * stored: a version recorded, a restore stored, an HTTP write stored (`edit`: not coalesced with
 * anyone's typing), the room deleted.
 */
export type HistoryNote =
  | { type: 'version'; version: { id: number; name: string | null; at: string } }
  | { type: 'restore'; version: number; inserted: number; deleted: number; length: number }
  | { type: 'edit'; inserted: number; deleted: number; length: number }
  | { type: 'deleted' }

/**
 * What happens in a room, for the activity log and the live replicas. Observations cannot veto:
 * the room has already done what they report.
 */
export interface RoomObserver {
  joined(room: Room, peer: Peer): void
  left(room: Room, peer: Peer): void
  /** The awareness states a peer controls changed, so its user may now be known. */
  presenceChanged(room: Room, peer: Peer): void
  /** Characters inserted and deleted in the text by `origin`, reported once stored. */
  edited(room: Room, origin: Peer | null, inserted: number, deleted: number): void
  /** Updates are stored (here, or by the instance they came from) and relayed. */
  committed(room: Room, updates: readonly Uint8Array[]): void
  /** The room's history (or an operation on it) did something, on behalf of `user`; a deleted room is no longer loaded. */
  noted(room: Pick<Room, 'name'>, note: HistoryNote, user: ActivityUser): void
}

export interface RoomContext {
  log: Logger
  metrics: Metrics
  commits: CommitQueue
  fanout: Fanout
  observer: RoomObserver
  awareness: AwarenessLimits
  /** Called whenever the room's last peer leaves or a commit completes with none attached. */
  onIdle(room: Room): void
}

/** A state vector that knows nothing: what a fresh client sends in sync step 1. */
const EMPTY_STATE_VECTOR_LENGTH = 1

/** A transaction that changed nothing in the text. */
const NO_TEXT_CHANGES: TextChanges = Object.freeze({ inserted: 0, deleted: 0 })

/** The origin of changes from another instance: stored there, relayed here, reported there. */
const REMOTE = Symbol('remote')

/** A fault of the server's own while a peer's update was being applied: not the peer's fault. */
class InternalFault extends Error {
  override name = 'InternalFault'
}

export class Room {
  readonly doc: Y.Doc
  private readonly presence: AwarenessRelay<Peer>
  private readonly viewOnly: ViewOnlyPolicy
  private readonly peers = new Set<Peer>()
  /** Text changes of the transaction whose `update` comes next (counted before Yjs merges structs). */
  private textChanges: TextChanges = NO_TEXT_CHANGES
  /** Callbacks waiting until everything applied so far is stored. */
  private waitingForCommit: Array<() => void> = []
  /** Sync step 2 for a fresh client, valid until the next update. */
  private fullStateMessage: Uint8Array | null = null
  /** The whole document as one update, valid until the next update. */
  private stateUpdate: Uint8Array | null = null
  /** The title as summaries show it; undefined until worked out after a change of the metadata. */
  private cachedTitle: string | null | undefined
  /** Holders other than peers (an HTTP read, a live replica) keeping the room loaded. */
  private holds = 0
  /** Set once the room is being deleted: it takes no more changes, and nothing more is recorded of it. */
  private deleted = false
  updatedAt = Date.now()

  constructor(
    readonly name: string,
    stored: readonly Uint8Array[],
    private readonly context: RoomContext,
  ) {
    // The room name as guid: a random one is never needed and costs a uuid per load.
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
    const text = this.doc.getText(CONTENT)
    // Every commit stores the title: worked out again only when the metadata changes.
    this.doc.getMap(META).observe(() => (this.cachedTitle = undefined))
    this.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.changed.has(text as Y.AbstractType<any>)) this.textChanges = countTextChanges(transaction, text)
    })
    this.doc.on('update', (update: Uint8Array, origin: unknown) => this.onDocUpdate(update, origin))
    this.presence = new AwarenessRelay<Peer>(this.doc, context.awareness, {
      broadcast: (message) => this.broadcast(message, null),
      deliver: (message) => this.deliver(message, null),
      send: (peer, message) => peer.send(message),
      presenceChanged: (peer) => context.observer.presenceChanged(this, peer),
    })
    this.viewOnly = new ViewOnlyPolicy(name, context.log, context.metrics)
  }

  get connectionCount(): number {
    return this.peers.size
  }

  /** Peers that may change the document (not `view`). */
  get editorCount(): number {
    let editors = 0
    for (const peer of this.peers) if (peer.grant.role !== 'view') editors++
    return editors
  }

  /** Whether unloading now would lose nothing and strand no one. */
  get isIdle(): boolean {
    return this.peers.size === 0 && this.holds === 0 && !this.context.commits.holds(this)
  }

  /** Whether everything applied to the doc is stored (nothing pending, no failed commit). */
  get isStored(): boolean {
    return !this.context.commits.holds(this)
  }

  /** Error of the last failed commit; null once one succeeds. */
  get storageError(): Error | null {
    return this.context.commits.errorOf(this) ?? null
  }

  /** Keep the room loaded until the matching `unhold`. */
  hold(): void {
    this.holds++
  }

  unhold(): void {
    this.holds--
  }

  /** The user a peer announced in its awareness state, if any; a token's name wins. */
  userOf(peer: Peer): ActivityUser {
    const announced = this.presence.userOf(peer)
    // A token's identity wins over what the client announces; the colour is the client's choice.
    const token = peer.grant.user
    if (token) return { name: token.name, color: announced?.color ?? null }
    return announced
  }

  /** Who made a change, for the history: a peer's user, an HTTP writer's, or nobody (the server). */
  authorOf(origin: UpdateOrigin): ActivityUser {
    if (origin instanceof Writer) return origin.user
    return origin ? this.userOf(origin) : null
  }

  /** The document's title, as summaries show it. */
  title(): string | null {
    if (this.cachedTitle === undefined) this.cachedTitle = summarizeTitle(this.doc.getMap(META).get(TITLE))
    return this.cachedTitle
  }

  /**
   * Make the text `text` through one minimal change by `writer` (a restore, a REST write): relayed
   * to every peer and stored like any edit, then reported through `writer.stored`.
   */
  replaceText(text: string, writer: Writer): void {
    this.doc.transact(() => replaceTextMinimally(this.doc.getText(CONTENT), text), writer)
  }

  /**
   * Apply an update by `writer` (a REST write), decoded whole beforehand: relayed to every peer
   * and stored like an editor's, then reported through `writer.stored`. False when it changed
   * nothing (everything in it was known already): then nothing is stored or reported. An update
   * that does not integrate is a ProtocolError.
   */
  applyUpdate(update: Uint8Array, writer: Writer): boolean {
    let changed = false
    const noticed = (_update: Uint8Array, origin: unknown) => {
      if (origin === writer) changed = true
    }
    this.doc.on('update', noticed)
    try {
      Y.applyUpdate(this.doc, update, writer)
    } catch (error) {
      if (error instanceof InternalFault) throw error.cause
      throw new ProtocolError(`update does not apply: ${(error as Error).message}`)
    } finally {
      this.doc.off('update', noticed)
    }
    return changed
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

  /**
   * Attach a peer and start the server half of the handshake: sync step 1, then the current
   * awareness states. The peer's awareness ids are removed when it closes, so no cursor
   * outlives its owner.
   */
  attach(peer: Peer): void {
    // Handed this room just before its deletion began: closed like the peers it already had.
    if (this.deleted) return peer.close(CloseCode.roomDeleted, 'room deleted')
    this.peers.add(peer)
    this.presence.attach(peer)
    peer.onMessage((message) => this.receive(peer, message))
    peer.onClose(() => this.detach(peer))
    peer.send(encodeSyncStep1(Y.encodeStateVector(this.doc)))
    const states = this.presence.currentStates()
    if (states) peer.send(states)
    this.context.observer.joined(this, peer)
  }

  /** `updates` are stored (commit queue): relay them, then report the edits they made. */
  committed(updates: readonly PendingUpdate<UpdateOrigin>[]): void {
    this.updatedAt = Date.now()
    for (const { update, origin } of updates) this.broadcast(encodeSyncUpdate(update), origin)
    for (const { origin, inserted, deleted } of updates) {
      if (origin instanceof Writer) origin.stored(inserted, deleted)
      else if (inserted > 0 || deleted > 0) this.context.observer.edited(this, origin as Peer | null, inserted, deleted)
    }
    this.context.observer.committed(
      this,
      updates.map(({ update }) => update),
    )
  }

  /** Everything applied so far is stored (commit queue): release whoever waited for it. */
  stored(): void {
    for (const callback of this.waitingForCommit.splice(0)) callback()
    if (this.isIdle) this.context.onIdle(this)
  }

  /** `updates` could not be stored (commit queue): nothing is relayed, and their senders are closed with 1011. */
  commitFailed(updates: readonly PendingUpdate<UpdateOrigin>[], error: Error): void {
    const origins = new Set(updates.map((update) => update.origin))
    for (const origin of origins) {
      if (origin && !(origin instanceof Writer) && this.peers.has(origin)) origin.close(CloseCode.storageFailure, 'storage failure', { error: error.message })
    }
  }

  /** Whether the room is being (or was) deleted: a holder must not change it any more. */
  get isDeleted(): boolean {
    return this.deleted
  }

  /** The room is being deleted: close every peer with 4404, so nothing more comes in. */
  beginDeletion(): void {
    this.deleted = true
    for (const peer of [...this.peers]) peer.close(CloseCode.roomDeleted, 'room deleted')
  }

  /** Close every peer (shutdown) and free the doc; the room must not be used afterwards. */
  destroy(code: number = CloseCode.shutdown, reason = 'server shutting down'): void {
    for (const peer of [...this.peers]) peer.close(code, reason)
    this.presence.destroy()
    this.doc.destroy()
  }

  /**
   * Handle one decoded message. Input that does not apply is the peer's fault (1007); any other
   * exception is ours, logged as such and closing the peer with 1011, never the process.
   */
  private receive(peer: Peer, message: IncomingMessage): void {
    try {
      this.handle(peer, message)
    } catch (error) {
      if (error instanceof ProtocolError) {
        this.context.metrics.error('undecodable')
        peer.close(CloseCode.undecodable, 'message could not be applied', { type: message.type, detail: error.message })
      } else {
        this.context.metrics.error('internal')
        this.context.log.error({ room: this.name, err: error, type: message.type }, 'internal fault while handling a message')
        peer.close(CloseCode.internalError, 'internal error')
      }
    }
  }

  private handle(peer: Peer, message: IncomingMessage): void {
    switch (message.type) {
      case 'sync-step1':
        this.answerSyncStep1(peer, message.stateVector)
        return
      case 'sync-step2':
        // A stock client always answers our step 1, with its delete set at least: from a
        // `view` peer that answer is ignored, silently.
        if (peer.grant.role === 'view') return
        this.apply(peer, message.update)
        return
      case 'sync-update':
        if (peer.grant.role === 'view') return this.viewOnly.refuse(peer, this.doc, message.update)
        this.apply(peer, message.update)
        return
      case 'awareness': {
        const refusal = this.presence.receive(peer, message.update, message.entries)
        if (refusal) {
          this.context.metrics.error('awareness-limit')
          peer.close(refusal.code, refusal.reason, refusal.details)
        }
        return
      }
      case 'query-awareness': {
        const states = this.presence.currentStates()
        if (states) peer.send(states)
        return
      }
    }
  }

  /**
   * Apply a peer's update. A well-formed update can still fail to integrate (yjs throws on some
   * corrupted struct references): that is a ProtocolError. A fault in our own `update` handler,
   * which runs inside `Y.applyUpdate`, is not.
   */
  private apply(peer: Peer, update: Uint8Array): void {
    try {
      Y.applyUpdate(this.doc, update, peer)
    } catch (error) {
      if (error instanceof InternalFault) throw error.cause
      throw new ProtocolError(`update does not apply: ${(error as Error).message}`)
    }
  }

  /** Answer with what the client lacks, but only once all of it is stored. */
  private answerSyncStep1(peer: Peer, stateVector: Uint8Array): void {
    this.whenStored(() => {
      if (!peer.isOpen) return
      if (stateVector.byteLength === EMPTY_STATE_VECTOR_LENGTH) {
        this.fullStateMessage ??= encodeSyncStep2(this.encodedState())
        peer.send(this.fullStateMessage)
      } else {
        peer.send(encodeSyncStep2(Y.encodeStateAsUpdate(this.doc, stateVector)))
      }
    })
  }

  private detach(peer: Peer): void {
    if (!this.peers.has(peer)) return
    this.context.observer.left(this, peer)
    this.peers.delete(peer)
    this.presence.detach(peer)
    if (this.isIdle) this.context.onIdle(this)
  }

  private onDocUpdate(update: Uint8Array, origin: unknown): void {
    try {
      this.fullStateMessage = null
      this.stateUpdate = null
      const { inserted, deleted } = this.textChanges
      this.textChanges = NO_TEXT_CHANGES
      // Stored by the instance it came from: only this instance's peers (and live replicas) still need it.
      if (origin === REMOTE) {
        this.deliver(encodeSyncUpdate(update), null)
        return this.context.observer.committed(this, [update])
      }
      const source = origin instanceof Writer ? origin : origin !== null && this.peers.has(origin as Peer) ? (origin as Peer) : null
      this.context.commits.add(this, { update, origin: source, inserted, deleted })
      this.context.metrics.traffic.updates++
    } catch (error) {
      throw new InternalFault('update handler failed', { cause: error })
    }
  }

  /**
   * An event on the room's fan-out channel: a local relay to write out, another instance's change
   * to apply (then relay here), or another instance gone, whose awareness states go with it.
   */
  receiveFanout(event: FanoutMessage | InstanceGone): void {
    if (event.kind === 'instance-gone') return this.presence.forgetSource(event.instance)
    const { payload, except, remote, source } = event
    if (!remote) return this.deliver(payload, except)
    try {
      const message = decodeMessage(payload)
      if (message.type === 'sync-update' || message.type === 'sync-step2') Y.applyUpdate(this.doc, message.update, REMOTE)
      else if (message.type === 'awareness') this.presence.receiveRemote(message.update, source ?? 'remote')
      else if (message.type === 'query-awareness') this.publishStates()
    } catch (error) {
      this.context.log.error({ room: this.name, err: error }, 'a message from another instance did not apply')
    }
  }

  /**
   * After the shared fan-out was down: apply what the store holds (other instances' edits made
   * meanwhile, relayed here as their diff) and hand the whole state to the other instances.
   */
  catchUp(stored: readonly Uint8Array[]): void {
    this.doc.transact(() => {
      for (const update of stored) Y.applyUpdate(this.doc, update)
    }, REMOTE)
    this.context.fanout.publish(this.name, { payload: encodeSyncUpdate(this.encodedState()), except: null, remoteOnly: true })
    this.publishStates()
  }

  /** Just loaded here: ask the other instances for the awareness states of their peers. */
  queryStates(): void {
    this.context.fanout.publish(this.name, { payload: encodeQueryAwareness(), except: null, remoteOnly: true })
  }

  /** Hand the current awareness states to the other instances. */
  private publishStates(): void {
    const states = this.presence.currentStates()
    if (states) this.context.fanout.publish(this.name, { payload: states, except: null, remoteOnly: true })
  }

  /** Publish one encoded message to everyone in the room but `except`. */
  private broadcast(message: Uint8Array, except: UpdateOrigin): void {
    this.context.fanout.publish(this.name, { payload: message, except })
  }

  /** Write one encoded message to this instance's peers but `except`, framed once for all of them. */
  private deliver(message: Uint8Array, except: unknown): void {
    const recipients = this.peers.size - (except !== null && this.peers.has(except as Peer) ? 1 : 0)
    if (recipients === 0) return
    const outgoing = recipients === 1 ? message : shareFrame(message)
    for (const peer of this.peers) {
      if (peer !== except) peer.send(outgoing)
    }
  }
}
