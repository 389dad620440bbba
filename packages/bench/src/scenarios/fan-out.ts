/**
 * Scenario 1, fan-out latency: one room, N clients, T of them typing one character every I ms at
 * a random position for D seconds. An insert's latency runs from the typist's insert until every
 * other client has applied it.
 */
import { connectOpaque, pool, within } from '../clients.js'
import { Deliveries, typicalInsertMessageBytes } from '../deliveries.js'
import { rssBytes } from '../proc.js'
import type { Metrics, Scenario, ScenarioContext } from '../scenario.js'
import { sleep } from '../stats.js'
import { connectTypingClients, cpuWindow, typeAndMeasure, type TypingParams } from '../typing.js'

export interface FanOutParams extends TypingParams {
  clients: number
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
  const typists = Array.from({ length: p.typists }, (_, index) => index)
  const session = await connectTypingClients(target.protocol, p.clients, typists, () => ({ wsUrl: server.wsUrl, room: ROOM }))
  log(`${session.clients.length} clients synced; typing`)
  const metrics = await measure(p, server.pid, session.deliveries, session.insert)
  session.destroy()
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
  const metrics = await measure(p, server.pid, deliveries, (source) => {
    const seq = deliveries.sent(source)
    const message = Buffer.alloc(bytes)
    message[0] = source
    message.writeUInt32LE(seq, 1)
    sockets[source]!.send(message)
  })
  for (const socket of sockets) socket.terminate()
  return { ...metrics, messageBytes: bytes }
}

/** The shared typing and latency figures, plus the server's CPU over the typing window and its RSS after the drain. */
async function measure(p: FanOutParams, pid: number, deliveries: Deliveries, insert: (source: number, random: () => number) => void): Promise<Metrics> {
  const cpu = cpuWindow([pid])
  const metrics = await typeAndMeasure(p, deliveries, insert, cpu)
  return { ...metrics, cpuPercent: cpu.percents[0]!, rssMb: rssBytes(pid) / 1024 / 1024 }
}
