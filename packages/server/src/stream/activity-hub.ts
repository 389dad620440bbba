/**
 * The live side of the activity stream: every SSE subscriber of this server, and the one place
 * events are encoded for them. Each event is serialised once and the same bytes are written to
 * every subscriber that wants it.
 *
 * Every subscriber has one byte budget, in every phase of its subscription: the events waiting in
 * its backlog while its replay is written, plus what its response has not sent yet. An event that
 * would take it over the budget drops it instead, and so does a reader that does not drain within
 * the drain timeout; either way it resumes by Last-Event-ID and loses nothing.
 */
import type { ServerResponse } from 'node:http'
import { encodeSseEvent, type ActivityEvent } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import { mergeInChunks } from '../rooms/merge-updates.js'
import type { Room } from '../rooms/room.js'

/** Live events that arrived while the subscriber's replay was being written, and their size. */
export interface Backlog {
  events: Array<{ id: number | null; chunk: Buffer }>
  bytes: number
}

export interface Subscriber {
  response: ServerResponse
  /** Only this room's events, or every room's when undefined. */
  room: string | undefined
  /** The rooms its token reaches: an all-rooms stream only carries those. */
  covers: (room: string) => boolean
  /** Wants `update` events of its room (a `?doc=1` replica). */
  doc: boolean
  /** While the replay is being written, live events wait here; null once live (or gone). */
  backlog: Backlog | null
}

export interface ActivityHubOptions {
  /** Bytes a subscriber may have waiting (backlog and unsent) before it is dropped. */
  maxBufferedBytes: number
  /** How long a subscriber may take to drain its response before it is dropped. */
  drainTimeoutMs: number
  /** Interval of `: ping` comments. */
  heartbeatMs: number
}

const PING = Buffer.from(': ping\n\n')

export class ActivityHub {
  private readonly subscribers = new Set<Subscriber>()
  /** Subscribers by the room they follow; `undefined` holds those following every room. */
  private readonly byRoom = new Map<string | undefined, Set<Subscriber>>()
  private readonly heartbeat: NodeJS.Timeout

  constructor(
    private readonly options: ActivityHubOptions,
    private readonly metrics: Metrics,
    private readonly log: Logger,
  ) {
    this.heartbeat = setInterval(() => {
      for (const subscriber of this.subscribers) this.write(subscriber, PING)
    }, options.heartbeatMs)
    this.heartbeat.unref()
  }

  get size(): number {
    return this.subscribers.size
  }

  add(subscriber: Subscriber): void {
    this.subscribers.add(subscriber)
    let followers = this.byRoom.get(subscriber.room)
    if (!followers) this.byRoom.set(subscriber.room, (followers = new Set()))
    followers.add(subscriber)
    this.metrics.sseSubscribers.inc()
  }

  /** Forget a subscriber (closed or dropped); what waited in its backlog is freed. */
  remove(subscriber: Subscriber): void {
    subscriber.backlog = null
    if (!this.subscribers.delete(subscriber)) return
    const followers = this.byRoom.get(subscriber.room)!
    followers.delete(subscriber)
    if (followers.size === 0) this.byRoom.delete(subscriber.room)
    this.metrics.sseSubscribers.dec()
  }

  /** Send a stored event to every subscriber of its room and of all rooms. */
  publish(event: ActivityEvent): void {
    this.metrics.activityEvents.inc({ type: event.type })
    const chunk = Buffer.from(encodeSseEvent(event))
    for (const subscriber of this.byRoom.get(event.room) ?? []) this.deliver(subscriber, event.id, chunk)
    for (const subscriber of this.byRoom.get(undefined) ?? []) {
      if (subscriber.covers(event.room)) this.deliver(subscriber, event.id, chunk)
    }
  }

  /** Send stored document updates to the room's live replicas, merged into one `update` event. */
  publishUpdates(room: Room, updates: readonly Uint8Array[]): void {
    const followers = [...(this.byRoom.get(room.name) ?? [])].filter((subscriber) => subscriber.doc)
    if (followers.length === 0) return
    const at = new Date().toISOString()
    for (const update of mergeInChunks(updates)) {
      const chunk = Buffer.from(encodeSseEvent({ type: 'update', room: room.name, at, update: Buffer.from(update).toString('base64') }))
      for (const subscriber of followers) this.deliver(subscriber, null, chunk)
    }
  }

  /**
   * End of the replay: write `snapshot` if any (the subscriber's starting point, which the budget
   * does not refuse but which counts against it), then what waited during the replay, skipping
   * events the replay already carried, and go live.
   */
  goLive(subscriber: Subscriber, lastReplayedId: number, snapshot?: Buffer | string): void {
    const backlog = subscriber.backlog?.events ?? []
    subscriber.backlog = null
    if (subscriber.response.destroyed) return
    if (snapshot !== undefined) subscriber.response.write(snapshot)
    for (const { id, chunk } of backlog) {
      if ((id === null || id > lastReplayedId) && !this.write(subscriber, chunk)) return
    }
  }

  /** Write to a subscriber now; false if it is gone or was dropped for going over its budget. */
  write(subscriber: Subscriber, chunk: Buffer | string): boolean {
    if (!this.admit(subscriber, chunk)) return false
    subscriber.response.write(chunk)
    return true
  }

  /**
   * Wait until the subscriber's response has drained. True once it has; false if it closed, or
   * did not drain within the drain timeout (then it is dropped).
   */
  drained(subscriber: Subscriber): Promise<boolean> {
    const { response } = subscriber
    if (response.destroyed) return Promise.resolve(false)
    if (!response.writableNeedDrain) return Promise.resolve(true)
    const { drainTimeoutMs } = this.options
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer)
        response.off('drain', onDrain)
        response.off('close', onClose)
        resolve(ok)
      }
      const onDrain = () => done(true)
      const onClose = () => done(false)
      const timer = setTimeout(() => {
        done(false)
        this.drop(subscriber, `did not drain within ${drainTimeoutMs} ms`)
      }, drainTimeoutMs)
      timer.unref()
      response.on('drain', onDrain)
      response.on('close', onClose)
    })
  }

  /** End every stream (shutdown). */
  close(): void {
    clearInterval(this.heartbeat)
    for (const subscriber of this.subscribers) {
      subscriber.backlog = null
      subscriber.response.end()
    }
    this.subscribers.clear()
    this.byRoom.clear()
  }

  /** A live event: written now, or kept in the backlog while the replay is being written. */
  private deliver(subscriber: Subscriber, id: number | null, chunk: Buffer): void {
    const { backlog } = subscriber
    if (!backlog) {
      this.write(subscriber, chunk)
    } else if (this.admit(subscriber, chunk)) {
      backlog.events.push({ id, chunk })
      backlog.bytes += chunk.length
    }
  }

  /** Whether `chunk` fits in the subscriber's budget; a subscriber it would take over is dropped. */
  private admit(subscriber: Subscriber, chunk: Buffer | string): boolean {
    if (subscriber.response.destroyed) return false
    if (this.buffered(subscriber) + Buffer.byteLength(chunk) <= this.options.maxBufferedBytes) return true
    this.drop(subscriber, 'too far behind')
    return false
  }

  /** Bytes waiting for the subscriber: its backlog and what its response has not sent yet. */
  private buffered(subscriber: Subscriber): number {
    return (subscriber.backlog?.bytes ?? 0) + subscriber.response.writableLength
  }

  /** The one way a subscriber is dropped: counted, logged with its room and bytes, closed, forgotten. */
  private drop(subscriber: Subscriber, reason: string): void {
    const { response } = subscriber
    if (response.destroyed) return
    this.metrics.sseDropped.inc()
    this.log.warn(
      { room: subscriber.room ?? '*', buffered: this.buffered(subscriber), replaying: subscriber.backlog !== null },
      `dropping SSE subscriber: ${reason}`,
    )
    this.remove(subscriber)
    response.destroy()
  }
}
