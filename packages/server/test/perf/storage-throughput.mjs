/**
 * What durable writes cost: updates/s and relay latency of `cowrite serve` with the SQLite store
 * against the memory store, on the same workload. Not a unit test; run after `pnpm build`:
 *
 *   node packages/server/test/perf/storage-throughput.mjs [runs=3]
 *
 * The server runs as its own process (the built CLI, rate limit off, logs at warn); the clients
 * run in this process and speak the y-websocket protocol directly (one writer, three readers),
 * so the load generator stays cheap. Two scenarios per store, alternating stores per run:
 *   flood:  the writer sends 20,000 one-character updates at once; updates/s = 20,000 / time
 *           until every reader has applied all of them.
 *   paced:  the writer sends 1,000 updates/s for 5 s (10 per 10 ms tick); latency = time from
 *           sending an update until a reader has applied it (p50/p99 over all readers).
 * Wall-clock rates swing with whatever else the machine runs, so the server's own CPU time per
 * flooded update (from /proc/PID/stat) is reported too: its inverse is the capacity of one core.
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'

const require = createRequire(import.meta.url)
const Y = require('yjs')
const syncProtocol = require('y-protocols/sync')
const encoding = require('lib0/encoding')
const decoding = require('lib0/decoding')
const { WebSocket } = require('ws')

const BIN = fileURLToPath(new URL('../../bin/cowrite.js', import.meta.url))
const READERS = 3
const FLOOD = 20_000
const PACED_SECONDS = 5
const PACED_PER_TICK = 10
const TICK_MS = 10

async function startServer(storage) {
  const data = mkdtempSync(join(tmpdir(), 'cowrite-perf-'))
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--storage', storage, '--data', data, '--rate-limit', '0', '--log-level', 'warn'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  const url = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (chunk) => {
      out += chunk
      const match = /listening on (http:\/\/\S+)/.exec(out)
      if (match) resolve(match[1].replace('http', 'ws'))
    })
    child.on('exit', (code) => reject(new Error(`server exited ${code}`)))
  })
  return {
    url,
    /** CPU seconds (user + system) the server process has used so far. */
    cpu() {
      const fields = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' ')
      return (Number(fields[11]) + Number(fields[12])) / 100
    },
    async stop() {
      child.kill('SIGTERM')
      await new Promise((resolve) => child.on('exit', resolve))
      rmSync(data, { recursive: true, force: true })
    },
  }
}

function open(url) {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url)
    socket.binaryType = 'nodebuffer'
    socket.once('open', () => resolve(socket))
    socket.once('error', reject)
  })
}

/** A reader: applies every sync message to its doc and reports its text length as it grows. */
async function reader(url, onLength) {
  const socket = await open(url)
  const doc = new Y.Doc()
  const text = doc.getText('content')
  socket.on('message', (data) => {
    const decoder = decoding.createDecoder(new Uint8Array(data))
    if (decoding.readVarUint(decoder) !== 0) return // awareness
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.readSyncMessage(decoder, encoder, doc, null)
    if (encoding.length(encoder) > 1) socket.send(encoding.toUint8Array(encoder))
    onLength(text.length)
  })
  return { socket, doc }
}

/** A writer: each insert at the end is one update, sent as one sync-update frame. */
async function writer(url) {
  const socket = await open(url)
  const doc = new Y.Doc()
  const text = doc.getText('content')
  doc.on('update', (update) => {
    const encoder = encoding.createEncoder()
    encoding.writeVarUint(encoder, 0)
    syncProtocol.writeUpdate(encoder, update)
    socket.send(encoding.toUint8Array(encoder))
  })
  return { socket, doc, type: () => text.insert(text.length, 'x') }
}

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function flood(url, room, cpu = () => 0) {
  let done = 0
  let finish
  const finished = new Promise((resolve) => (finish = resolve))
  const readers = await Promise.all(
    Array.from({ length: READERS }, () =>
      reader(`${url}/${room}`, (length) => {
        if (length === FLOOD && ++done === READERS) finish()
      }),
    ),
  )
  const w = await writer(`${url}/${room}`)
  const cpuBefore = cpu()
  const start = performance.now()
  for (let i = 0; i < FLOOD; i++) w.type()
  await finished
  const seconds = (performance.now() - start) / 1000
  const cpuMicros = ((cpu() - cpuBefore) * 1e6) / FLOOD
  for (const client of [...readers, w]) client.socket.terminate()
  return { rate: FLOOD / seconds, cpuMicros }
}

async function paced(url, room) {
  const sentAt = []
  const latencies = []
  const seen = Array(READERS).fill(0)
  const total = (PACED_SECONDS * 1000 * PACED_PER_TICK) / TICK_MS
  let complete = 0
  let finish
  const finished = new Promise((resolve) => (finish = resolve))
  const readers = await Promise.all(
    Array.from({ length: READERS }, (_, r) =>
      reader(`${url}/${room}`, (length) => {
        const now = performance.now()
        for (let i = seen[r]; i < length; i++) latencies.push(now - sentAt[i])
        seen[r] = length
        if (length === total && ++complete === READERS) finish()
      }),
    ),
  )
  const w = await writer(`${url}/${room}`)
  let sent = 0
  const timer = setInterval(() => {
    for (let i = 0; i < PACED_PER_TICK && sent < total; i++, sent++) {
      sentAt.push(performance.now())
      w.type()
    }
    if (sent === total) clearInterval(timer)
  }, TICK_MS)
  await finished
  for (const client of [...readers, w]) client.socket.terminate()
  latencies.sort((a, b) => a - b)
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) }
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]

const runs = Number(process.argv[2] ?? 3)
const results = { memory: { rate: [], cpu: [], p50: [], p99: [] }, sqlite: { rate: [], cpu: [], p50: [], p99: [] } }
for (let run = 0; run < runs; run++) {
  for (const storage of run % 2 === 0 ? ['memory', 'sqlite'] : ['sqlite', 'memory']) {
    const server = await startServer(storage)
    // Warm-up: JIT, SQLite page cache.
    await flood(server.url, `warmup-${run}`)
    const { rate, cpuMicros } = await flood(server.url, `flood-${run}`, server.cpu)
    const { p50, p99 } = await paced(server.url, `paced-${run}`)
    await server.stop()
    results[storage].rate.push(rate)
    results[storage].cpu.push(cpuMicros)
    results[storage].p50.push(p50)
    results[storage].p99.push(p99)
    console.log(`run ${run + 1} ${storage.padEnd(6)} flood ${Math.round(rate)} updates/s, server ${cpuMicros.toFixed(1)} µs CPU/update; paced 1000/s: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms`)
  }
}
const summary = Object.fromEntries(
  Object.entries(results).map(([storage, r]) => [storage, { rate: median(r.rate), cpu: median(r.cpu), p50: median(r.p50), p99: median(r.p99) }]),
)
console.log('\nmedians:')
for (const [storage, s] of Object.entries(summary)) {
  console.log(`  ${storage.padEnd(6)} ${Math.round(s.rate)} updates/s (wall), ${s.cpu.toFixed(1)} µs server CPU/update = ${Math.round(1e6 / s.cpu)} updates/s per core, p50 ${s.p50.toFixed(2)} ms, p99 ${s.p99.toFixed(2)} ms`)
}
const cost = 1 - summary.sqlite.rate / summary.memory.rate
const cpuCost = 1 - summary.memory.cpu / summary.sqlite.cpu
console.log(`  durable writes cost ${(cost * 100).toFixed(1)}% of wall-clock flood throughput, ${(cpuCost * 100).toFixed(1)}% of per-core capacity (goal < 20%)`)
