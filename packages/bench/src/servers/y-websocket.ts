/**
 * The y-websocket reference server (`@y/websocket-server@0.1.1`) as its own `server.js` runs it:
 * one `ws` server whose connections go to `setupWSConnection`, documents in memory.
 * Prints `listening on http://HOST:PORT` when ready. `GET /bench/applied` answers the number of
 * document updates applied so far (one `update` listener per doc, the benchmark's only addition).
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocketServer } from 'ws'
import { getYDoc, setupWSConnection } from '@y/websocket-server/utils'

let applied = 0
const counted = new WeakSet<object>()

const http = createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end(request.url === '/bench/applied' ? String(applied) : 'okay')
})
const wss = new WebSocketServer({ noServer: true })
wss.on('connection', setupWSConnection)
http.on('upgrade', (request, socket, head) => {
  const doc = getYDoc((request.url ?? '/').slice(1).split('?')[0]!)
  if (!counted.has(doc)) {
    counted.add(doc)
    doc.on('update', () => applied++)
  }
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request))
})
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(http.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
