/**
 * Fan-out across instances over Redis pub/sub (ioredis). Every room loaded here is subscribed to
 * its channel; what a room publishes is delivered to this instance's sockets at once and sent to
 * the channel, and what other instances send arrives as `remote` (an instance drops its own
 * echoes by the instance id every message carries). Redis carries only live traffic: every
 * update is in the shared store before it is published.
 *
 * Wire format of a channel message: varString(instance id) varUint8Array(y-websocket message).
 * Channels: `cowrite:room:<room>`. Heartbeats: `cowrite:instance:<id>` with a TTL, renewed every
 * third of it; an instance whose key expired is announced to every room (`instance-gone`), so the
 * awareness states it relayed vanish on the others.
 *
 * Redis down: publishing to other instances stops (this instance keeps serving and storing its
 * own clients), `status` says so; when it is back every room gets `resync` to catch up from the
 * store. Each transition is logged once.
 */
import { Redis } from 'ioredis'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Fanout, FanoutEvent } from './fanout.js'
import { LocalChannels } from './local.js'

export interface RedisFanoutOptions {
  /** `redis://HOST:PORT[/DB]`. */
  url: string
  /** This instance's name, on every message it publishes. */
  instanceId: string
  log: Logger
  metrics: Metrics
  /** Heartbeat TTL: an instance silent this long counts as gone. Default 10 s. */
  heartbeatTtlMs?: number
}

export interface RedisFanout extends Fanout {
  /** `ok` while Redis works, else what fails. */
  readonly status: string
  close(): Promise<void>
}

const ROOM_CHANNEL = 'cowrite:room:'
const INSTANCE_KEY = 'cowrite:instance:'

/** Encode a channel message, mirroring `decodeChannelMessage`. */
export function encodeChannelMessage(instanceId: string, payload: Uint8Array): Buffer {
  const encoder = encoding.createEncoder()
  encoding.writeVarString(encoder, instanceId)
  encoding.writeVarUint8Array(encoder, payload)
  return Buffer.from(encoding.toUint8Array(encoder))
}

export function decodeChannelMessage(message: Uint8Array): { instanceId: string; payload: Uint8Array } {
  const decoder = decoding.createDecoder(message)
  const instanceId = decoding.readVarString(decoder)
  const payload = decoding.readVarUint8Array(decoder)
  if (decoding.hasContent(decoder)) throw new Error('trailing bytes in a channel message')
  return { instanceId, payload }
}

/** Connect to Redis; resolves once connected or once the first attempt failed (then it retries). */
export async function createRedisFanout(options: RedisFanoutOptions): Promise<RedisFanout> {
  const { instanceId, log, metrics } = options
  const ttlMs = options.heartbeatTtlMs ?? 10_000
  const channels = new LocalChannels()
  const retryStrategy = (times: number) => Math.min(100 * 2 ** Math.min(times, 5), 2_000)
  // Publishing never queues while Redis is away: what others miss they catch up from the store.
  const pub = new Redis(options.url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 1, retryStrategy })
  const sub = new Redis(options.url, { lazyConnect: true, retryStrategy })
  /** Other instances heard from, checked against their heartbeat. */
  const peers = new Set<string>()
  let down: string | null = 'redis connecting'
  let wasUp = false
  let closed = false
  let heardSince = 0

  const markDown = (reason: string) => {
    if (down !== null || closed) return
    down = `redis unreachable: ${reason}`
    log.error({ instance: instanceId, reason }, 'redis connection lost; serving this instance only until it returns')
  }
  const markUp = () => {
    if (pub.status !== 'ready' || sub.status !== 'ready' || down === null) return
    down = null
    heartbeat()
    // Instances that restarted Redis meanwhile need a heartbeat's time to announce themselves.
    heardSince = Date.now()
    if (wasUp) log.info({ instance: instanceId }, 'redis connection restored; catching rooms up from the store')
    else log.info({ instance: instanceId }, 'redis connected')
    wasUp = true
    // Rooms loaded while Redis was away (also at start) missed what the others published.
    broadcast({ kind: 'resync' })
  }
  for (const connection of [pub, sub]) {
    connection.on('ready', markUp)
    connection.on('error', (error: Error) => markDown(error.message))
    connection.on('close', () => markDown('connection closed'))
  }

  function broadcast(event: FanoutEvent): void {
    for (const room of [...channels.rooms()]) for (const handler of channels.of(room)) handler(event)
  }

  sub.on('messageBuffer', (channel: Buffer, message: Buffer) => {
    const room = channel.toString().slice(ROOM_CHANNEL.length)
    let decoded
    try {
      decoded = decodeChannelMessage(message)
    } catch (error) {
      return log.warn({ room, err: error }, 'undecodable message on a room channel ignored')
    }
    if (decoded.instanceId === instanceId) return
    metrics.redisReceived.inc()
    peers.add(decoded.instanceId)
    for (const handler of channels.of(room)) handler({ kind: 'message', payload: decoded.payload, except: null, remote: true, source: decoded.instanceId })
  })

  const heartbeat = () => {
    if (pub.status === 'ready') pub.set(INSTANCE_KEY + instanceId, '1', 'PX', ttlMs).catch((error: Error) => markDown(error.message))
  }
  const heartbeats = setInterval(heartbeat, Math.max(100, ttlMs / 3))
  heartbeats.unref()
  const watch = setInterval(() => {
    if (down !== null || Date.now() - heardSince < ttlMs) return
    for (const peer of [...peers]) {
      pub.exists(INSTANCE_KEY + peer).then(
        (alive) => {
          if (alive || !peers.delete(peer)) return
          log.warn({ instance: instanceId, gone: peer }, 'instance gone (heartbeat expired); removing its awareness states')
          broadcast({ kind: 'instance-gone', instance: peer })
        },
        (error: Error) => markDown(error.message),
      )
    }
  }, Math.max(100, ttlMs / 4))
  watch.unref()

  await Promise.allSettled([pub.connect(), sub.connect()])
  markUp()
  if (down !== null) log.error({ instance: instanceId, reason: down }, 'redis unreachable at start; retrying')

  return {
    get status() {
      return down ?? 'ok'
    },
    publish(room, { payload, except, remoteOnly }) {
      if (!remoteOnly) for (const handler of channels.of(room)) handler({ kind: 'message', payload, except, remote: false })
      if (down !== null) return metrics.redisSkipped.inc()
      metrics.redisPublished.inc()
      pub.publish(ROOM_CHANNEL + room, encodeChannelMessage(instanceId, payload)).catch((error: Error) => markDown(error.message))
    },
    async subscribe(room, handler) {
      if (!channels.add(room, handler)) return
      const subscribed = sub.subscribe(ROOM_CHANNEL + room)
      // While Redis is away the subscription waits in ioredis's queue; the room loads meanwhile
      // and is caught up from the store when Redis returns.
      if (down !== null) return void subscribed.catch(() => {})
      await subscribed.catch((error: Error) => markDown(error.message))
    },
    unsubscribe(room, handler) {
      if (channels.remove(room, handler)) sub.unsubscribe(ROOM_CHANNEL + room).catch(() => {})
    },
    async close() {
      closed = true
      clearInterval(heartbeats)
      clearInterval(watch)
      if (pub.status === 'ready') await pub.del(INSTANCE_KEY + instanceId).catch(() => {})
      pub.disconnect()
      sub.disconnect()
    },
  }
}
