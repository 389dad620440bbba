/**
 * Delivery of every activity event to one webhook URL (design.md "Webhooks"): at least once, in
 * id order. The activity log is the outbox and the store keeps the URL's cursor, so what was not
 * delivered before a restart is delivered after it. One request at a time per URL (that is what
 * keeps the order), each with a timeout; a failure is retried with exponential backoff and jitter
 * up to an hour apart, and an event older than a day is given up with a log line. Nothing here is
 * on the editing path: a slow or dead receiver only delays its own deliveries.
 *
 * With several instances on one store, the instance holding the URL's lease delivers; the others
 * look again when it would have expired.
 */
import type { ActivityEvent } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { ActivityLog } from '../storage/activity-log.js'
import type { WebhookCursors } from '../storage/webhook-cursors.js'
import { signBody } from './signature.js'
import { describeWebhookUrl } from './webhook-url.js'

export interface WebhookTiming {
  /** Per request. Default 10 s. */
  timeoutMs: number
  /** The first retry's delay; each next one doubles, up to `maxDelayMs`. Default 1 s. */
  firstDelayMs: number
  /** Default 1 h. */
  maxDelayMs: number
  /** An event older than this is given up. Default 24 h. */
  giveUpAfterMs: number
  /** How long a lease lasts; renewed with every batch. Default 30 s. */
  leaseMs: number
  /** How often an idle delivery looks for events (other instances', a lease to take). Default 5 s. */
  pollMs: number
}

export const WEBHOOK_TIMING: WebhookTiming = {
  timeoutMs: 10_000,
  firstDelayMs: 1_000,
  maxDelayMs: 3_600_000,
  giveUpAfterMs: 24 * 3_600_000,
  leaseMs: 30_000,
  pollMs: 5_000,
}

/** Events read from the log per batch. */
const BATCH = 100

export interface WebhookContext {
  secret: string
  activity: ActivityLog
  cursors: WebhookCursors
  /** This instance's name: the lease owner. */
  owner: string
  log: Logger
  metrics: Metrics
  timing: WebhookTiming
  /** For the jitter (tests pass a seeded one). */
  random: () => number
}

type Outcome = 'done' | 'more' | 'retry' | 'not-ours'

export class WebhookDelivery {
  private running: Promise<void> | null = null
  private again = false
  private timer: NodeJS.Timeout | undefined
  /** Failures in a row, for the backoff. */
  private failures = 0
  private closed = false
  private readonly inFlight = new AbortController()

  /** The URL as logs and metrics show it. */
  private readonly label: string

  constructor(
    readonly url: string,
    private readonly context: WebhookContext,
  ) {
    this.label = describeWebhookUrl(url)
  }

  /** There may be new events: deliver them now (or right after the batch being delivered). */
  kick(): void {
    if (this.closed) return
    if (this.running) {
      this.again = true
      return
    }
    clearTimeout(this.timer)
    this.running = this.run().finally(() => (this.running = null))
  }

  /** Stop: abort a request in flight, wait for the loop, let the lease go. */
  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    this.inFlight.abort()
    await this.running
    await this.context.cursors.release(this.url, this.context.owner).catch(() => {})
  }

  private async run(): Promise<void> {
    let outcome: Outcome = 'done'
    try {
      do {
        this.again = false
        outcome = await this.deliverSome()
      } while (!this.closed && (outcome === 'more' || (outcome === 'done' && this.again)))
    } catch (error) {
      // The store failed (not the receiver): try again as after a failed delivery.
      this.context.log.error({ url: this.label, err: error }, 'webhook delivery could not read or write its cursor')
      this.failures++
      outcome = 'retry'
    }
    if (this.closed) return
    const { timing } = this.context
    const delay = outcome === 'retry' ? this.backoff() : outcome === 'not-ours' ? timing.leaseMs : timing.pollMs
    this.timer = setTimeout(() => this.kick(), delay)
    this.timer.unref()
  }

  /** Deliver up to one batch of the events after the cursor, in order, stopping at a failure. */
  private async deliverSome(): Promise<Outcome> {
    const { activity, cursors, owner, timing, metrics, log } = this.context
    const { newest } = await activity.bounds()
    const lease = await cursors.claim(this.url, owner, Date.now() + timing.leaseMs, newest ?? 0)
    if (!lease) return 'not-ours'
    metrics.webhookPending.set({ url: this.label }, Math.max(0, (newest ?? 0) - lease.delivered))
    const events = await activity.after(lease.delivered, undefined, BATCH)
    for (const event of events) {
      if (this.closed) return 'done'
      if (Date.now() - Date.parse(event.at) > timing.giveUpAfterMs) {
        metrics.webhookDeliveries.inc({ url: this.label, outcome: 'given-up' })
        log.error({ url: this.label, id: event.id, room: event.room, type: event.type, at: event.at }, 'webhook event given up: not delivered within 24 hours')
      } else if (!(await this.post(event))) {
        return 'retry'
      }
      if (!(await cursors.advance(this.url, owner, event.id))) return 'not-ours'
      metrics.webhookPending.set({ url: this.label }, Math.max(0, (newest ?? event.id) - event.id))
    }
    return events.length === BATCH ? 'more' : 'done'
  }

  /** POST one event; true for any 2xx. */
  private async post(event: ActivityEvent): Promise<boolean> {
    const { secret, timing, metrics, log } = this.context
    const body = JSON.stringify(event)
    let failure: string
    try {
      const response = await fetch(this.url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Cowrite-Event-Id': String(event.id), 'X-Cowrite-Signature': signBody(secret, body) },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([AbortSignal.timeout(timing.timeoutMs), this.inFlight.signal]),
      })
      await response.body?.cancel()
      if (response.status >= 200 && response.status < 300) {
        this.failures = 0
        metrics.webhookDeliveries.inc({ url: this.label, outcome: 'delivered' })
        return true
      }
      failure = `answered ${response.status}`
    } catch (error) {
      if (this.closed) return false
      failure = (error as Error).name === 'TimeoutError' ? `no answer within ${timing.timeoutMs} ms` : (error as Error).message
    }
    this.failures++
    metrics.webhookDeliveries.inc({ url: this.label, outcome: 'failed' })
    log.warn({ url: this.label, id: event.id, failure, failures: this.failures }, 'webhook delivery failed; retrying later')
    return false
  }

  /** Exponential, capped, with "equal jitter": between half and all of the step. */
  private backoff(): number {
    const { firstDelayMs, maxDelayMs } = this.context.timing
    const step = Math.min(maxDelayMs, firstDelayMs * 2 ** Math.max(0, this.failures - 1))
    return Math.round(step / 2 + (step / 2) * this.context.random())
  }
}
