/**
 * Scenario 2, throughput: one room, N clients, one of them appending single characters as fast as
 * it can (each its own update, bounded only by its socket's unsent bytes) for D seconds, the
 * others reading. Does the server keep up, and does the backlog stay bounded?
 */
import { connectOpaque, connectYjs, pool, within, type YjsClient } from '../clients.js'
import { Deliveries, typicalInsertMessageBytes } from '../deliveries.js'
import { cpuMeter, rssBytes } from '../proc.js'
import { appliedCount, type Metrics, type Scenario, type ScenarioContext } from '../scenario.js'
import { percentile, sleep } from '../stats.js'

export interface ThroughputParams {
  clients: number
  durationMs: number
  /** After the writer stops, wait at most this long for the readers to catch up. */
  drainMs: number
  /** The writer pauses while its socket holds more unsent bytes than this. */
  writerBufferLimit: number
  /** Inserts per writer turn (then it yields to the event loop). */
  burst: number
  /** Inserts per second the writer aims at; null: as fast as it can. */
  rate: number | null
}

const ROOM = 'throughput'
const SAMPLE_MS = 1_000

export const throughput = throughputScenario(null)
export const throughput15k = throughputScenario(15_000)

function throughputScenario(rate: number | null): Scenario<ThroughputParams> {
  return {
  id: rate === null ? 'throughput' : `throughput-${rate / 1000}k`,
  title: rate === null ? '2a. Throughput: one writer as fast as it can' : `2b. Throughput: one writer at ${rate.toLocaleString('en-US')} updates/s`,
  inQuick: rate === null,
  targets: ['cowrite-sqlite', 'cowrite-memory', 'y-websocket', 'hocuspocus', 'relay-yjs', 'relay-raw'],
  floor: 'relay-yjs',
  params: (quick) => ({ clients: 10, durationMs: quick ? 2_000 : 5_000, drainMs: quick ? 3_000 : 15_000, writerBufferLimit: 256 * 1024, burst: 100, rate }),
  describe: (p) =>
    `One room, ${p.clients} clients; one writer appends one character per update ` +
    (p.rate === null ? 'as fast as it can' : `at ${p.rate.toLocaleString('en-US')} updates/s (paced by elapsed time)`) +
    ` for ${p.durationMs / 1000} s (bursts of at most ${p.burst}, pausing while its socket holds over ${p.writerBufferLimit / 1024} KiB unsent), ${p.clients - 1} readers. ` +
    `*sent/s*: the writer's rate; *applied/s*: the server's own counter of applied updates, read by a request sent at the end of the window, ` +
    `divided by the time until the server answered it (a saturated server answers late); ` +
    `*delivered/s*: updates the slowest reader had by the end of the window, per second; *backlog*: sent minus the slowest reader's count, ` +
    `at the end of the window and at worst; *drain*: time after the writer stops until every reader has everything (capped at ${p.drainMs / 1000} s; ` +
    `∞ = not drained). Latency: insert until all readers have it. Writer and readers share the load generator's core, so a server that ` +
    `delivers more also costs its readers more: compare with the relay driven by the same stock clients.`,
  columns: () => [
    { key: 'sentPerSec', label: 'sent/s', digits: 0 },
    { key: 'appliedPerSec', label: 'applied/s', digits: 0, better: 'higher' },
    { key: 'deliveredPerSec', label: 'delivered/s', digits: 0, better: 'higher' },
    { key: 'backlogEnd', label: 'backlog at end', digits: 0 },
    { key: 'backlogMax', label: 'max backlog', digits: 0 },
    { key: 'drainMs', label: 'drain ms', digits: 0, better: 'lower' },
    { key: 'p50', label: 'p50 ms', digits: 0 },
    { key: 'p99', label: 'p99 ms', digits: 0, better: 'lower' },
    { key: 'cpuPercent', label: 'server CPU %', digits: 0 },
    { key: 'rssMaxMb', label: 'server max RSS MB', digits: 0 },
  ],
  run: (p, context) => (context.target.protocol === 'relay-raw' ? runOpaque(p, context) : runYjs(p, context)),
  }
}

interface Writer {
  /** Send one item now. */
  send(): void
  buffered(): number
}

async function runYjs(p: ThroughputParams, context: ScenarioContext): Promise<Metrics> {
  const { target, server } = context
  const clients: YjsClient[] = await pool(p.clients, 10, async () => {
    const client = connectYjs(target.protocol, server.wsUrl, ROOM)
    await within(client.ready, 30_000, 'client sync')
    return client
  })
  await sleep(1_000)
  const writer = clients[0]!
  const deliveries = new Deliveries(1, p.clients, (receiver) => receiver !== 0)
  clients.forEach((client, index) => deliveries.watch(index, client.doc, [writer.doc.clientID]))
  const metrics = await flood(p, context, deliveries, {
    send() {
      deliveries.sent(0)
      writer.text.insert(writer.text.length, 'x')
    },
    buffered: () => writer.buffered(),
  })
  for (const client of clients) client.destroy()
  return metrics
}

async function runOpaque(p: ThroughputParams, context: ScenarioContext): Promise<Metrics> {
  const bytes = typicalInsertMessageBytes(true)
  const deliveries = new Deliveries(1, p.clients, (receiver) => receiver !== 0)
  const sockets = await pool(p.clients, 10, async (index) => {
    const client = connectOpaque(context.server.wsUrl, ROOM, (data) => deliveries.reached(index, 0, data.readUInt32LE(1) + 1))
    await within(client.open, 30_000, 'socket open')
    return client.socket
  })
  await sleep(1_000)
  const writer = sockets[0]!
  const metrics = await flood(p, context, deliveries, {
    send() {
      const seq = deliveries.sent(0)
      const message = Buffer.alloc(bytes)
      message.writeUInt32LE(seq, 1)
      writer.send(message)
    },
    buffered: () => writer.bufferedAmount,
  })
  for (const socket of sockets) socket.terminate()
  return { ...metrics, messageBytes: bytes }
}

async function flood(p: ThroughputParams, { target, server, log }: ScenarioContext, deliveries: Deliveries, writer: Writer): Promise<Metrics> {
  const applied0 = await appliedCount(target, server)
  const cpu = cpuMeter(server.pid)
  const started = performance.now()
  const deadline = started + p.durationMs
  let backlogMax = 0
  let rssMax = rssBytes(server.pid)
  const samples: string[] = []
  const sampler = setInterval(() => {
    const backlog = deliveries.sentCount(0) - deliveries.minReached(0)
    backlogMax = Math.max(backlogMax, backlog)
    rssMax = Math.max(rssMax, rssBytes(server.pid))
    samples.push(`${((performance.now() - started) / 1000).toFixed(0)}s:${backlog}`)
  }, SAMPLE_MS)
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now()
      if (now >= deadline) return resolve()
      if (writer.buffered() < p.writerBufferLimit) {
        const due = p.rate === null ? p.burst : Math.min(p.burst * 10, Math.floor(((now - started) * p.rate) / 1000) - deliveries.sentCount(0))
        for (let i = 0; i < due; i++) writer.send()
      }
      setImmediate(pump)
    }
    pump()
  })
  const window = performance.now() - started
  const { percent } = cpu.stop()
  // The server's counter is read over HTTP: under a flood the answer itself waits in its queue,
  // so the rate is taken over the time until it answers, and the drain is timed meanwhile.
  const appliedAnswer = appliedCount(target, server).then((count) => ({ count: count - applied0, atMs: performance.now() - started }))
  const sent = deliveries.sentCount(0)
  const deliveredAtEnd = deliveries.minReached(0)
  const backlogEnd = sent - deliveredAtEnd
  backlogMax = Math.max(backlogMax, backlogEnd)
  const stopped = performance.now()
  const drainUntil = stopped + p.drainMs
  while (deliveries.minReached(0) < sent && performance.now() < drainUntil) await sleep(10)
  const drained = deliveries.minReached(0) >= sent
  clearInterval(sampler)
  rssMax = Math.max(rssMax, rssBytes(server.pid))
  log(`backlog every ${SAMPLE_MS / 1000} s: ${samples.join(' ')}; ${drained ? 'drained' : 'NOT drained'}`)
  const applied = await appliedAnswer
  const lat = deliveries.latencies
  return {
    sent,
    sentPerSec: (sent * 1000) / window,
    appliedPerSec: (applied.count * 1000) / applied.atMs,
    deliveredPerSec: (deliveredAtEnd * 1000) / window,
    backlogEnd,
    backlogMax,
    drainMs: drained ? performance.now() - stopped : Number.POSITIVE_INFINITY,
    undelivered: sent - deliveries.minReached(0),
    p50: percentile(lat, 50),
    p99: percentile(lat, 99),
    cpuPercent: percent,
    rssMaxMb: rssMax / 1024 / 1024,
  }
}
