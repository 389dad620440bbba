/**
 * Scenario 3, connection scale: idle clients spread over many rooms, connected in steps (2,000,
 * then up to 10,000). Raw clients speak just the handshake of the server's protocol, as a fresh
 * stock client does, so thousands fit in the load generator.
 */
import { connectRaw, pool, within, type RawSyncClient } from '../clients.js'
import { cpuMs, rssBytes } from '../proc.js'
import type { Metrics, Scenario } from '../scenario.js'
import { percentile, sleep } from '../stats.js'

export interface ScaleParams {
  steps: number[]
  rooms: number
  /** Connections being opened at once. */
  concurrency: number
  /** Wait after each step before reading RSS. */
  settleMs: number
}

export const scale: Scenario<ScaleParams> = {
  id: 'scale',
  title: '3. Connection scale: idle clients',
  targets: ['cowrite-sqlite', 'cowrite-memory', 'y-websocket', 'hocuspocus', 'relay-raw'],
  floor: 'relay-raw',
  params: (quick) => ({ steps: quick ? [2_000] : [2_000, 10_000], rooms: 200, concurrency: 100, settleMs: 2_000 }),
  describe: (p) =>
    `${p.steps.map((n) => n.toLocaleString('en-US')).join(', then ')} idle clients over ${p.rooms} rooms, ${p.concurrency} connecting at a time. ` +
    `Each is a raw socket doing a fresh stock client's handshake (Hocuspocus: its auth message first): send sync step 1 with an empty state vector, ` +
    `answer the server's step 1 with an empty step 2; *synced* when the server's step 2 arrives (relay: when the socket opens, nobody answers). ` +
    `*connect+sync*: wall time for the whole step; *per client p99*: one client's open-to-synced time. RSS per connection: server RSS growth since ` +
    `before the first connection, divided by the connections open, read ${p.settleMs / 1000} s after the step. CPU per connection: server CPU during the step.`,
  columns: (p) =>
    p.steps.flatMap((n) => {
      const k = `${n / 1000}k`
      return [
        { key: `${k}.wallMs`, label: `${k}: connect+sync ms`, digits: 0, better: 'lower' as const },
        { key: `${k}.p99`, label: `${k}: per client p99 ms`, digits: 0 },
        { key: `${k}.cpuUsPerConn`, label: `${k}: CPU µs/conn`, digits: 0 },
        { key: `${k}.kbPerConn`, label: `${k}: RSS KB/conn`, digits: 1, better: 'lower' as const },
        { key: `${k}.failed`, label: `${k}: failed`, digits: 0 },
      ]
    }),
  async run(p, { target, server, log }) {
    await sleep(500)
    const baseline = rssBytes(server.pid)
    const clients: RawSyncClient[] = []
    const metrics: Metrics = { baselineMb: baseline / 1024 / 1024 }
    for (const n of p.steps) {
      const k = `${n / 1000}k`
      const from = clients.length
      const cpu0 = cpuMs(server.pid)
      const started = performance.now()
      let failed = 0
      const times = await pool(n - from, p.concurrency, async (i) => {
        const index = from + i
        const client = connectRaw(target.protocol, server.wsUrl, `room-${index % p.rooms}`)
        clients.push(client)
        try {
          return (await within(client.synced, 30_000, 'sync')).atMs
        } catch {
          failed++
          return Number.NaN
        }
      })
      const wall = performance.now() - started
      const cpu = cpuMs(server.pid) - cpu0
      await sleep(p.settleMs)
      const rss = rssBytes(server.pid)
      const open = clients.filter((client) => client.socket.readyState === client.socket.OPEN).length
      const ok = times.filter((time) => !Number.isNaN(time))
      Object.assign(metrics, {
        [`${k}.wallMs`]: wall,
        [`${k}.p99`]: percentile(ok, 99),
        [`${k}.cpuUsPerConn`]: (cpu * 1000) / (n - from),
        [`${k}.kbPerConn`]: (rss - baseline) / 1024 / open,
        [`${k}.failed`]: failed + (n - open - failed > 0 ? n - open - failed : 0),
        [`${k}.rssMb`]: rss / 1024 / 1024,
      })
      log(`${n}: ${open} open, ${failed} failed, ${wall.toFixed(0)} ms, RSS ${(rss / 1024 / 1024).toFixed(0)} MB`)
    }
    for (const client of clients) client.close()
    return metrics
  },
}
