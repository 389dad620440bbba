/**
 * Scenario 1, fan-out latency: one room, N clients, T of them typing one character every I ms at
 * a random position for D seconds. An insert's latency runs from the typist's insert until every
 * other client has applied it.
 */
import { connectOpaque, connectYjs, pool, within, type YjsClient } from '../clients.js'
import { Deliveries, typicalInsertMessageBytes } from '../deliveries.js'
import { cpuMeter, rssBytes } from '../proc.js'
import type { Metrics, Scenario, ScenarioContext } from '../scenario.js'
import { percentile, seededRandom, sleep } from '../stats.js'

export interface FanOutParams {
  clients: number
  typists: number
  intervalMs: number
  durationMs: number
  /** After the last insert, wait at most this long for deliveries. */
  drainMs: number
}

const ROOM = 'fan-out'

export const fanOut: Scenario<FanOutParams> = {
  id: 'fan-out',
  title: '1. Fan-out latency',
  targets: ['cowrite-sqlite', 'cowrite-memory', 'y-websocket', 'hocuspocus', 'relay-yjs', 'relay-raw'],
  floor: 'relay-yjs',
  params: (quick) => ({ clients: 50, typists: 5, intervalMs: 20, durationMs: quick ? 3_000 : 10_000, drainMs: 5_000 }),
  describe: (p) =>
    `One room, ${p.clients} clients, ${p.typists} typists each inserting one character at a random position every ${p.intervalMs} ms for ${p.durationMs / 1000} s ` +
    `(${(p.typists * 1000) / p.intervalMs} inserts/s, ${((p.typists * 1000) / p.intervalMs) * (p.clients - 1)} deliveries/s expected). ` +
    `Latency: insert until every other client has applied it (all clients live in one load-generator process, so client-side Yjs cost is included; ` +
    `compare with the relay driven by the same stock clients). Server CPU is the share of one core over the typing window; RSS at its end.`,
  columns: () => [
    { key: 'p50', label: 'p50 ms', better: 'lower', digits: 1 },
    { key: 'p95', label: 'p95 ms', digits: 1 },
    { key: 'p99', label: 'p99 ms', better: 'lower', digits: 1 },
    { key: 'max', label: 'max ms', digits: 0 },
    { key: 'deliveriesPerSec', label: 'deliveries/s', better: 'higher', digits: 0 },
    { key: 'undelivered', label: 'undelivered', digits: 0 },
    { key: 'cpuPercent', label: 'server CPU %', better: 'lower', digits: 1 },
    { key: 'rssMb', label: 'server RSS MB', better: 'lower', digits: 1 },
  ],
  run: (p, context) => (context.target.protocol === 'relay-raw' ? runOpaque(p, context) : runYjs(p, context)),
}

async function runYjs(p: FanOutParams, { target, server, log }: ScenarioContext): Promise<Metrics> {
  const clients: YjsClient[] = await pool(p.clients, 10, async () => {
    const client = connectYjs(target.protocol, server.wsUrl, ROOM)
    await within(client.ready, 30_000, 'client sync')
    return client
  })
  // Let the connect-time awareness and sync traffic settle.
  await sleep(1_000)
  const typists = clients.slice(0, p.typists)
  const deliveries = new Deliveries(p.typists, p.clients, (receiver, source) => receiver !== source)
  const ids = typists.map((client) => client.doc.clientID)
  clients.forEach((client, index) => deliveries.watch(index, client.doc, ids))
  log(`${clients.length} clients synced; typing`)
  const metrics = await typeAndMeasure(p, server.pid, deliveries, (source, random) => {
    const text = typists[source]!.text
    deliveries.sent(source)
    text.insert(Math.floor(random() * (text.length + 1)), 'x')
  })
  for (const client of clients) client.destroy()
  return metrics
}

async function runOpaque(p: FanOutParams, { server, log }: ScenarioContext): Promise<Metrics> {
  const bytes = typicalInsertMessageBytes(false)
  let deliveries!: Deliveries
  const sockets = await pool(p.clients, 10, async (index) => {
    const client = connectOpaque(server.wsUrl, ROOM, (data) => {
      deliveries.reached(index, data[0]!, data.readUInt32LE(1) + 1)
    })
    await within(client.open, 30_000, 'socket open')
    return client.socket
  })
  deliveries = new Deliveries(p.typists, p.clients, (receiver, source) => receiver !== source)
  await sleep(1_000)
  log(`${sockets.length} sockets open; sending ${bytes}-byte messages`)
  const metrics = await typeAndMeasure(p, server.pid, deliveries, (source) => {
    const seq = deliveries.sent(source)
    const message = Buffer.alloc(bytes)
    message[0] = source
    message.writeUInt32LE(seq, 1)
    sockets[source]!.send(message)
  })
  for (const socket of sockets) socket.terminate()
  return { ...metrics, messageBytes: bytes }
}

/** Drive `insert` on every typist's timer, then wait for deliveries and collect the figures. */
async function typeAndMeasure(
  p: FanOutParams,
  pid: number,
  deliveries: Deliveries,
  insert: (source: number, random: () => number) => void,
): Promise<Metrics> {
  const cpu = cpuMeter(pid)
  const started = performance.now()
  const timers: NodeJS.Timeout[] = []
  await new Promise<void>((resolve) => {
    for (let source = 0; source < p.typists; source++) {
      const random = seededRandom(1000 + source)
      // Stagger the typists across the interval, as independent people would be.
      const offset = (source * p.intervalMs) / p.typists
      timers.push(
        setTimeout(() => {
          timers.push(setInterval(() => insert(source, random), p.intervalMs))
        }, offset),
      )
    }
    setTimeout(resolve, p.durationMs)
  })
  for (const timer of timers) clearInterval(timer)
  const window = performance.now() - started
  const { percent } = cpu.stop()
  const deliveredInWindow = deliveries.delivered
  const drainUntil = performance.now() + p.drainMs
  while (deliveries.completed < deliveries.totalSent && performance.now() < drainUntil) await sleep(20)
  const rss = rssBytes(pid)
  const lat = deliveries.latencies
  return {
    inserts: deliveries.totalSent,
    p50: percentile(lat, 50),
    p95: percentile(lat, 95),
    p99: percentile(lat, 99),
    max: percentile(lat, 100),
    deliveriesPerSec: (deliveredInWindow * 1000) / window,
    undelivered: deliveries.totalSent - deliveries.completed,
    cpuPercent: percent,
    rssMb: rss / 1024 / 1024,
  }
}
