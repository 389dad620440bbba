/**
 * The live side of the activity stream: every SSE subscriber of this server, and the one place
 * events are encoded for them. Each event is serialised once and the same bytes are written to
 * every subscriber that wants it. A subscriber whose unsent bytes pass the limit is dropped; it
 * resumes by Last-Event-ID and loses nothing.
 */
import type { ServerResponse } from 'node:http'
import { encodeSseEvent, type ActivityEvent } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import { mergeInChunks } from '../rooms/fan-out.js'
import type { Room } from '../rooms/room.js'

export interface Subscriber {
  response: ServerResponse
  /** Only this room's events, or every room's when undefined. */
  room: string | undefined
  /** The rooms its token reaches: an all-rooms stream only carries those. */
  covers: (room: string) => boolean
  /** Wants `update` events of its room (a `?doc=1` replica). */
  doc: boolean
  /** While the replay is being written, live events wait here. */
  backlog: Array<{ id: number | null; chunk: Buffer }> | null
}

export interface ActivityHubOptions {
  /** Unsent bytes after which a subscriber is dropped. */
  maxBufferedBytes: number
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

  remove(subscriber: Subscriber): void {
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
   * Write what waited during the replay, skipping events the replay already carried, and go live.
   */
  goLive(subscriber: Subscriber, lastReplayedId: number): void {
    const backlog = subscriber.backlog ?? []
    subscriber.backlog = null
    for (const { id, chunk } of backlog) {
      if (id === null || id > lastReplayedId) this.write(subscriber, chunk)
    }
  }

  /** Write to a subscriber now; false if it was dropped for falling behind. */
  write(subscriber: Subscriber, chunk: Buffer | string): boolean {
    const { response } = subscriber
    if (response.destroyed) return false
    if (response.writableLength > this.options.maxBufferedBytes) {
      this.metrics.sseDropped.inc()
      this.log.warn({ room: subscriber.room ?? '*', buffered: response.writableLength }, 'dropping SSE subscriber: too far behind')
      this.remove(subscriber)
      response.destroy()
      return false
    }
    response.write(chunk)
    return true
  }

  /** End every stream (shutdown). */
  close(): void {
    clearInterval(this.heartbeat)
    for (const subscriber of this.subscribers) subscriber.response.end()
    this.subscribers.clear()
    this.byRoom.clear()
  }

  private deliver(subscriber: Subscriber, id: number | null, chunk: Buffer): void {
    if (subscriber.backlog) subscriber.backlog.push({ id, chunk })
    else this.write(subscriber, chunk)
  }
}
