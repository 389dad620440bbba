/**
 * Prometheus metrics of one server. Each server owns its registry (never prom-client's global
 * one), so two servers in one process count apart.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client'

export type ErrorKind =
  | 'undecodable'
  | 'too-big'
  | 'send-buffer-overflow'
  | 'rate-limited'
  | 'bad-room'
  | 'bad-request'
  | 'unauthorized'
  | 'forbidden'
  | 'view-only'
  | 'awareness-limit'
  | 'storage'
  | 'internal'
  | 'socket'

/** The y-websocket message types, as `cowrite_messages_received_total` labels them. */
export type ReceivedType = 'sync' | 'awareness' | 'query-awareness'

export function createMetrics(options: { processMetrics: boolean }) {
  const registry = new Registry()
  if (options.processMetrics) collectDefaultMetrics({ register: registry, prefix: 'cowrite_' })
  const registers = [registry]
  const errors = new Counter({ name: 'cowrite_errors_total', help: 'Client and storage errors by kind', labelNames: ['kind'], registers })
  // What every message or update counts is counted in plain numbers on the hot path and read at
  // scrape time: a prom-client `inc` hashes its labels each time.
  const traffic = { messagesSent: 0, bytesSent: 0, bytesReceived: 0, updates: 0 }
  const received: Record<ReceivedType, number> = { sync: 0, awareness: 0, 'query-awareness': 0 }
  new Counter({
    name: 'cowrite_messages_received_total',
    help: 'WebSocket messages received, by y-websocket message type',
    labelNames: ['type'],
    registers,
    collect() {
      this.reset()
      for (const [type, count] of Object.entries(received)) if (count > 0) this.inc({ type }, count)
    },
  })
  const trafficCounter = (name: string, help: string, field: keyof typeof traffic) =>
    new Counter({
      name,
      help,
      registers,
      collect() {
        this.reset()
        this.inc(traffic[field])
      },
    })
  trafficCounter('cowrite_messages_sent_total', 'WebSocket messages sent', 'messagesSent')
  trafficCounter('cowrite_bytes_sent_total', 'WebSocket bytes sent', 'bytesSent')
  trafficCounter('cowrite_bytes_received_total', 'WebSocket bytes received', 'bytesReceived')
  trafficCounter('cowrite_updates_total', 'Document updates applied and stored', 'updates')
  return {
    registry,
    traffic,
    /** Messages received, by type. */
    received,
    connections: new Gauge({ name: 'cowrite_connections', help: 'Open WebSocket connections', registers }),
    rooms: new Gauge({ name: 'cowrite_rooms', help: 'Rooms loaded in memory', registers }),
    sseSubscribers: new Gauge({ name: 'cowrite_sse_subscribers', help: 'Open activity streams', registers }),
    sseDropped: new Counter({ name: 'cowrite_sse_dropped_total', help: 'Activity subscribers dropped for falling behind', registers }),
    activityEvents: new Counter({ name: 'cowrite_activity_events_total', help: 'Activity events emitted, by type', labelNames: ['type'], registers }),
    redisPublished: new Counter({ name: 'cowrite_redis_published_total', help: 'Messages published to other instances over Redis', registers }),
    redisReceived: new Counter({ name: 'cowrite_redis_received_total', help: 'Messages received from other instances over Redis', registers }),
    redisSkipped: new Counter({
      name: 'cowrite_redis_skipped_total',
      help: 'Messages not published while Redis was unreachable (other instances catch up from the store)',
      registers,
    }),
    webhookPending: new Gauge({ name: 'cowrite_webhook_pending', help: 'Activity events not yet delivered to a webhook URL', labelNames: ['url'], registers }),
    webhookDeliveries: new Counter({
      name: 'cowrite_webhook_deliveries_total',
      help: 'Webhook requests, by URL and outcome (delivered, failed: retried later, given-up: older than 24 h)',
      labelNames: ['url', 'outcome'],
      registers,
    }),
    throttled: new Counter({ name: 'cowrite_throttled_total', help: 'Times a socket above its rate limit stopped being read', registers }),
    storageAppendSeconds: new Histogram({
      name: 'cowrite_storage_append_seconds',
      help: 'Time to durably append one event-loop turn of updates',
      buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1],
      registers,
    }),
    /** Count one error of `kind`. */
    error(kind: ErrorKind): void {
      errors.inc({ kind })
    },
  }
}

export type Metrics = ReturnType<typeof createMetrics>
