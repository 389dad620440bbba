/**
 * Scenario 1, fan-out latency: one room, N clients, T of them typing one character every I ms at
 * a random position, first for a warm-up, then for the measured D seconds. An insert's latency
 * runs from the typist's insert until every other client has applied it. Two shapes: 50 clients
 * with 5 typists, and 30 with 3.
 */
import { connectOpaque, pool, within } from '../clients.js'
import { Deliveries, typicalInsertMessageBytes } from '../deliveries.js'
import { rssBytes } from '../proc.js'
import type { Metrics, Scenario, ScenarioContext } from '../scenario.js'
import { sleep } from '../stats.js'
import { connectTypingClients, cpuWindow, typeAndMeasure, type TypingParams } from '../typing.js'

export interface FanOutParams extends TypingParams {
  clients: number
  warmupMs: number
}

const ROOM = 'fan-out'

/** What tells the fan-out scenarios apart. */
interface FanOutShape {
  id: string
  title: string
  clients: number
  typists: number
}

export const fanOut = fanOutScenario({ id: 'fan-out', title: '1. Fan-out latency', clients: 50, typists: 5 })
export const fanOut30 = fanOutScenario({ id: 'fan-out-30', title: '1b. Fan-out latency, 30 clients and 3 typists', clients: 30, typists: 3 })

function fanOutScenario(shape: FanOutShape): Scenario<FanOutParams> {
  return {
    id: shape.id,
    title: shape.title,
    targets: ['cowrite-sqlite', 'cowrite-memory', 'y-websocket', 'hocuspocus', 'relay-yjs', 'relay-raw'],
    floor: 'relay-yjs',
    params: (quick) => ({
      clients: shape.clients,
      typists: shape.typists,
      intervalMs: 20,
      warmupMs: quick ? 3_000 : 30_000,
      durationMs: quick ? 3_000 : 10_000,
      drainMs: 5_000,
    }),
    describe: (p) =>
      `One room, ${p.clients} clients, ${p.typists} typists each inserting one character at a random position every ${p.intervalMs} ms ` +
      `(${(p.typists * 1000) / p.intervalMs} inserts/s, ${((p.typists * 1000) / p.intervalMs) * (p.clients - 1)} deliveries/s expected): ` +
      `first for a ${p.warmupMs / 1000} s warm-up, then for the measured ${p.durationMs / 1000} s. The warm-up is there because V8's optimizing compiler ` +
      `keeps compiling the server's per-update code for about 25 s of this load in a fresh process (Cowrite's more than a smaller server's), so a window ` +
      `from a cold start measures mostly the JIT, not a long-running server; every target gets the same. Latency and deliveries count only inserts sent in the measured window (one still in flight at its start is neither a latency ` +
      `nor undelivered). Latency: insert until every other client has applied it (all clients live in one load-generator process, so client-side Yjs cost is ` +
      `included; compare with the relay driven by the same stock clients). Server CPU is the share of one core over the measured window, ` +
      `*(warm-up)* over the warm-up from the first insert; *CPU µs/insert* is the window's server CPU time per insert sent in it, the fair figure when the ` +
      `load generator (one process, a core of its own, applying every update 49 times) cannot keep every target at the same rate; RSS at the end.`,
    columns: () => [
      { key: 'p50', label: 'p50 ms', better: 'lower', digits: 1 },
      { key: 'p95', label: 'p95 ms', digits: 1 },
      { key: 'p99', label: 'p99 ms', better: 'lower', digits: 1 },
      { key: 'max', label: 'max ms', digits: 0 },
      { key: 'deliveriesPerSec', label: 'deliveries/s', better: 'higher', digits: 0 },
      { key: 'undelivered', label: 'undelivered', digits: 0 },
      { key: 'cpuPercent', label: 'server CPU %', better: 'lower', digits: 1 },
      { key: 'warmupCpuPercent', label: 'server CPU % (warm-up)', better: 'lower', digits: 1 },
      { key: 'cpuUsPerInsert', label: 'server CPU µs/insert', better: 'lower', digits: 0 },
      { key: 'rssMb', label: 'server RSS MB', better: 'lower', digits: 1 },
    ],
    run: (p, context) => (context.target.protocol === 'relay-raw' ? runOpaque(p, context) : runYjs(p, context)),
  }
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

/** The shared typing and latency figures, plus the server's CPU over the warm-up and the measured window, and its RSS after the drain. */
async function measure(p: FanOutParams, pid: number, deliveries: Deliveries, insert: (source: number, random: () => number) => void): Promise<Metrics> {
  const cpu = cpuWindow([pid])
  const warmupCpu = cpuWindow([pid])
  const metrics = await typeAndMeasure(p, deliveries, insert, cpu, warmupCpu)
  return {
    ...metrics,
    cpuPercent: cpu.percents[0]!,
    warmupCpuPercent: warmupCpu.percents[0]!,
    cpuUsPerInsert: (cpu.cpuMs[0]! * 1000) / metrics.inserts!,
    rssMb: rssBytes(pid) / 1024 / 1024,
  }
}
