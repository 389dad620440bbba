/**
 * The SSE floor: an HTTP server holding every `GET /api/rooms/<room>/activity` response open and
 * writing one event, in Cowrite's wire format, to all of them at a fixed rate (10/s), with no
 * storage, replay or per-subscriber bookkeeping. Prints `listening on http://HOST:PORT`.
 */
import { createServer, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

const EVENTS_PER_SECOND = 10
const subscribers = new Set<ServerResponse>()
let id = 0

const http = createServer((request, response) => {
  if (!/^\/api\/rooms\/[^/]+\/activity/.test(request.url ?? '')) {
    response.writeHead(404).end()
    return
  }
  response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache', 'x-accel-buffering': 'no' })
  response.write('retry: 2000\n\n')
  subscribers.add(response)
  response.on('close', () => subscribers.delete(response))
})
setInterval(() => {
  id++
  const data = { id, room: 'sse', type: 'edit', at: new Date().toISOString(), user: { name: 'typist', color: '#30bced' }, inserted: 10, deleted: 0, length: id * 10 }
  const event = `id: ${id}\nevent: edit\ndata: ${JSON.stringify(data)}\n\n`
  for (const response of subscribers) response.write(event)
}, 1000 / EVENTS_PER_SECOND)
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(http.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
