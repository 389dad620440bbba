/**
 * The fan-out scenario's typing, shared with the scale-out scenario: stock clients placed in rooms
 * (under scale-out, also on instances), some of them typists each inserting one character at a
 * random position on its own staggered timer, and the end-to-end delivery figures afterwards.
 * An optional warm-up types the same way before the measured window, unmeasured for latency.
 */
import { connectYjs, pool, within, type YjsClient } from './clients.js'
import { Deliveries } from './deliveries.js'
import { cpuMeter } from './proc.js'
import type { Metrics } from './scenario.js'
import type { Protocol } from './targets.js'
import { percentile, seededRandom, sleep } from './stats.js'

export interface TypingParams {
  typists: number
  intervalMs: number
  durationMs: number
  /**
   * Typing before the measured window (default none), so it measures a server whose JIT has
   * settled rather than a fresh process: inserts sent meanwhile count in no latency figure.
   */
  warmupMs?: number
  /** After the last insert, wait at most this long for deliveries. */
  drainMs: number
}

/** Where one client connects. */
export interface Placement {
  wsUrl: string
  room: string
}

export interface TypingClients {
  clients: YjsClient[]
  deliveries: Deliveries
  /** Typist `source` inserts one character at a random position of its text. */
  insert(source: number, random: () => number): void
  destroy(): void
}

export interface ConnectOptions {
  /** Clients connecting at once (default 10). */
  concurrency?: number
  /** Called once client `index` has synced (before the next one starts, with concurrency 1). */
  synced?(index: number): Promise<void>
  /** Classes of deliveries whose latencies are kept apart (see `Deliveries.byClass`). */
  classify?(receiver: number, source: number): number
}

/**
 * Connect `count` stock clients, client `i` at `place(i)`, and wait until all have synced and the
 * connect-time awareness and sync traffic has settled. Typist `t` is client `typists[t]`; every
 * other client of its room receives its inserts.
 */
export async function connectTypingClients(
  protocol: Protocol,
  count: number,
  typists: readonly number[],
  place: (index: number) => Placement,
  options: ConnectOptions = {},
): Promise<TypingClients> {
  const placements = Array.from({ length: count }, (_, index) => place(index))
  const clients = await pool(count, options.concurrency ?? 10, async (index) => {
    const client = connectYjs(protocol, placements[index]!.wsUrl, placements[index]!.room)
    await within(client.ready, 30_000, 'client sync')
    await options.synced?.(index)
    return client
  })
  await sleep(1_000)
  const receives = (receiver: number, source: number) =>
    receiver !== typists[source] && placements[receiver]!.room === placements[typists[source]!]!.room
  const deliveries = new Deliveries(typists.length, count, receives, options.classify)
  const ids = typists.map((index) => clients[index]!.doc.clientID)
  clients.forEach((client, index) => deliveries.watch(index, client.doc, ids))
  return {
    clients,
    deliveries,
    insert(source, random) {
      const text = clients[typists[source]!]!.text
      deliveries.sent(source)
      text.insert(Math.floor(random() * (text.length + 1)), 'x')
    },
    destroy() {
      for (const client of clients) client.destroy()
    },
  }
}

/** What measures the typing window (from the first insert's timer to the last's), e.g. server CPU. */
export interface TypingWindow {
  start(): void | Promise<void>
  stop(): void | Promise<void>
}

/** Server CPU over the typing window: `percents[i]` is `pids[i]`'s share of one core, `cpuMs[i]` its CPU time. */
export function cpuWindow(pids: readonly number[]): TypingWindow & { percents: number[]; cpuMs: number[] } {
  let meters: Array<ReturnType<typeof cpuMeter>> = []
  const percents: number[] = []
  const cpuMs: number[] = []
  return {
    percents,
    cpuMs,
    start() {
      meters = pids.map((pid) => cpuMeter(pid))
    },
    stop() {
      const used = meters.map((meter) => meter.stop())
      percents.splice(0, percents.length, ...used.map((one) => one.percent))
      cpuMs.splice(0, cpuMs.length, ...used.map((one) => one.cpuMs))
    },
  }
}

/**
 * Drive `insert` on every typist's timer (staggered across the interval, as independent people
 * would be) for the warm-up (measured by `warmupWindow`, if given) and then the duration (by
 * `window`), then wait for deliveries, and collect the latency figures of the inserts sent in
 * the duration: an insert's latency runs until the last of its receivers has it.
 */
export async function typeAndMeasure(
  p: TypingParams,
  deliveries: Deliveries,
  insert: (source: number, random: () => number) => void,
  window: TypingWindow,
  warmupWindow?: TypingWindow,
): Promise<Metrics> {
  const warmupMs = p.warmupMs ?? 0
  if (warmupMs > 0) await warmupWindow?.start()
  else await window.start()
  const stopTyping = startTyping(p, insert)
  if (warmupMs > 0) {
    await sleep(warmupMs)
    await warmupWindow?.stop()
    deliveries.startWindow()
    await window.start()
  }
  const started = performance.now()
  await sleep(p.durationMs)
  stopTyping()
  const elapsed = performance.now() - started
  await window.stop()
  const deliveredInWindow = deliveries.delivered
  const drainUntil = performance.now() + p.drainMs
  while (deliveries.completed < deliveries.totalSent && performance.now() < drainUntil) await sleep(20)
  const lat = deliveries.latencies
  return {
    inserts: deliveries.totalSent,
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    p99: percentile(lat, 99),
    max: percentile(lat, 100),
    deliveriesPerSec: (deliveredInWindow * 1000) / elapsed,
    undelivered: deliveries.totalSent - deliveries.completed,
  }
}

/** Start every typist's timer; returns what stops them all. */
function startTyping(p: TypingParams, insert: (source: number, random: () => number) => void): () => void {
  const timers: NodeJS.Timeout[] = []
  for (let source = 0; source < p.typists; source++) {
    const random = seededRandom(1000 + source)
    const offset = (source * p.intervalMs) / p.typists
    timers.push(setTimeout(() => timers.push(setInterval(() => insert(source, random), p.intervalMs)), offset))
  }
  return () => {
    for (const timer of timers) clearInterval(timer)
  }
}
