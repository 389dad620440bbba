/**
 * The server's webhooks: one delivery per configured URL (webhook-delivery.ts), kicked whenever
 * an activity event is stored (here, or by another instance of a shared store), and stopped
 * before the store closes.
 */
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { Storage } from '../storage/storage.js'
import { WEBHOOK_TIMING, WebhookDelivery, type WebhookTiming } from './webhook-delivery.js'

export interface WebhookOptions {
  /** Where every activity event is POSTed. */
  urls: readonly string[]
  /** The HMAC-SHA256 key of `X-Cowrite-Signature`. */
  secret: string
  /** Delays and timeouts (tests shorten them). */
  timing?: Partial<WebhookTiming>
}

export interface Webhooks {
  /** Events were stored: deliver them. */
  kick(): void
  close(): Promise<void>
}

export function createWebhooks(options: WebhookOptions, storage: Storage, owner: string, log: Logger, metrics: Metrics): Webhooks {
  const timing = { ...WEBHOOK_TIMING, ...options.timing }
  const deliveries = options.urls.map(
    (url) =>
      new WebhookDelivery(url, { secret: options.secret, activity: storage.activity, cursors: storage.webhooks, owner, log, metrics, timing, random: Math.random }),
  )
  for (const delivery of deliveries) delivery.kick()
  return {
    kick() {
      for (const delivery of deliveries) delivery.kick()
    },
    async close() {
      await Promise.all(deliveries.map((delivery) => delivery.close()))
    },
  }
}
