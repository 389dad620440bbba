/**
 * Scenario 5, SSE fan-out: many subscribers of one busy room's activity stream
 * (`GET /api/rooms/<room>/activity`). Cowrite only, against a floor that writes the same kind of
 * event to N raw HTTP responses.
 */
import { get, type IncomingMessage } from 'node:http'
import { connectYjs, pool, within, type YjsClient } from '../clients.js'
import { cpuMeter, rssBytes } from '../proc.js'
import type { Metrics, Scenario } from '../scenario.js'
import { percentile, sleep } from '../stats.js'

export interface SseParams {
  steps: number[]
  /** Cowrite: stock clients typing (each yields about one coalesced `edit` event per second). */
  typists: number
  intervalMs: number
  durationMs: number
}

const ROOM = 'sse'

export const sse: Scenario<SseParams> = {
  id: 'sse',
  title: '5. SSE fan-out: activity subscribers of one busy room',
  targets: ['cowrite-sqlite', 'cowrite-memory', 'sse-floor'],
  floor: 'sse-floor',
  params: (quick) => ({ steps: quick ? [1_000] : [1_000, 5_000], typists: 10, intervalMs: 100, durationMs: quick ? 2_000 : 10_000 }),
  describe: (p) =>
    `${p.steps.map((n) => n.toLocaleString('en-US')).join(', then ')} subscribers of \`GET /api/rooms/${ROOM}/activity\` (raw HTTP, one connection each). ` +
    `Cowrite's room is kept busy by ${p.typists} stock clients each typing a character every ${p.intervalMs} ms for ${p.durationMs / 1000} s ` +
    `(edits are coalesced to about one event per user per second, plus joins); the floor writes 10 events/s of the same shape to every response. ` +
    `Latency: from the event's \`at\` timestamp (set by the server when it emits) until a subscriber has parsed it; over every subscriber and event. ` +
    `RSS per subscriber: server RSS growth while subscribing, divided by the subscribers.`,
  columns: (p) =>
    p.steps.flatMap((n) => {
      const k = `${n / 1000}k`
      return [
        { key: `${k}.eventsPerSec`, label: `${k}: events/s`, digits: 1 },
        { key: `${k}.p50`, label: `${k}: p50 ms`, digits: 0 },
        { key: `${k}.p99`, label: `${k}: p99 ms`, digits: 0, better: 'lower' as const },
        { key: `${k}.kbPerSub`, label: `${k}: RSS KB/sub`, digits: 1, better: 'lower' as const },
        { key: `${k}.cpuPercent`, label: `${k}: server CPU %`, digits: 0 },
      ]
    }),
  async available(server) {
    const response = await new Promise<IncomingMessage | null>((resolve) => {
      const request = get(`${server.url}/api/rooms/${ROOM}/activity`, { agent: false }, resolve)
      request.on('error', () => resolve(null))
    })
    response?.destroy()
    return response?.statusCode === 200 && String(response.headers['content-type']).startsWith('text/event-stream')
  },
  async run(p, { target, server, log }) {
    await sleep(500)
    const baseline = rssBytes(server.pid)
    let windowStart = Infinity
    let latencies: number[] = []
    let events = 0
    const responses: IncomingMessage[] = []
    const metrics: Metrics = {}
    for (const n of p.steps) {
      const k = `${n / 1000}k`
      await pool(n - responses.length, 100, async () => {
        const response = await within(subscribe(server.url, (at) => {
          if (at < windowStart) return
          latencies.push(Date.now() - at)
          events++
        }), 30_000, 'subscription')
        responses.push(response)
      })
      await sleep(1_000)
      const rss = rssBytes(server.pid)
      latencies = []
      events = 0
      windowStart = Date.now()
      const cpu = cpuMeter(server.pid)
      const typists: YjsClient[] = []
      const timers: NodeJS.Timeout[] = []
      if (target.server !== 'sse-floor') {
        for (let i = 0; i < p.typists; i++) {
          const client = connectYjs('y-websocket', server.wsUrl, ROOM)
          client.doc.on('destroy', () => undefined)
          typists.push(client)
        }
        await within(Promise.all(typists.map((client) => client.ready)), 30_000, 'typists sync')
        for (const client of typists) timers.push(setInterval(() => client.text.insert(client.text.length, 'x'), p.intervalMs))
      }
      await sleep(p.durationMs)
      for (const timer of timers) clearInterval(timer)
      const { percent } = cpu.stop()
      const elapsed = Date.now() - windowStart
      await sleep(1_500)
      for (const client of typists) client.destroy()
      const open = responses.filter((response) => !response.destroyed).length
      Object.assign(metrics, {
        [`${k}.eventsPerSec`]: (events * 1000) / elapsed / Math.max(1, open),
        [`${k}.p50`]: percentile(latencies, 50),
        [`${k}.p99`]: percentile(latencies, 99),
        [`${k}.kbPerSub`]: (rss - baseline) / 1024 / n,
        [`${k}.cpuPercent`]: percent,
        [`${k}.open`]: open,
      })
      log(`${n} subscribers (${open} open): ${events} deliveries, p99 ${percentile(latencies, 99).toFixed(0)} ms`)
      windowStart = Infinity
      await sleep(1_000)
    }
    for (const response of responses) response.destroy()
    return metrics
  },
}

/** Open one activity stream; `onEvent` gets each event's `at` (ms since the epoch). */
function subscribe(url: string, onEvent: (at: number) => void): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const request = get(`${url}/api/rooms/${ROOM}/activity?tail=0`, { agent: false }, (response) => {
      if (response.statusCode !== 200) return reject(new Error(`activity stream answered ${response.statusCode}`))
      response.setEncoding('utf8')
      let buffered = ''
      response.on('data', (chunk: string) => {
        buffered += chunk
        let end: number
        while ((end = buffered.indexOf('\n\n')) >= 0) {
          const block = buffered.slice(0, end)
          buffered = buffered.slice(end + 2)
          const at = /"at":"([^"]+)"/.exec(block)?.[1]
          if (at) onEvent(Date.parse(at))
        }
      })
      response.on('error', () => undefined)
      resolve(response)
    })
    request.on('error', reject)
  })
}
