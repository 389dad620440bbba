/**
 * The floor no Yjs server can beat: a `ws` server that forwards every message it receives to the
 * other sockets of the same room (the URL path), unread and unstored. Prints
 * `listening on http://HOST:PORT` when ready; `GET /bench/applied` answers the messages received.
 */
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { WebSocket, WebSocketServer } from 'ws'

let received = 0
const rooms = new Map<string, Set<WebSocket>>()
const http = createServer((request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain' })
  response.end(request.url === '/bench/applied' ? String(received) : 'okay')
})
const wss = new WebSocketServer({ noServer: true })
http.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => {
    const name = (request.url ?? '/').split('?')[0]!
    const room = rooms.get(name) ?? new Set<WebSocket>()
    rooms.set(name, room)
    room.add(ws)
    ws.on('message', (data, isBinary) => {
      received++
      for (const peer of room) {
        if (peer !== ws && peer.readyState === WebSocket.OPEN) peer.send(data, { binary: isBinary })
      }
    })
    ws.on('close', () => {
      room.delete(ws)
      if (room.size === 0) rooms.delete(name)
    })
  })
})
http.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening on http://127.0.0.1:${(http.address() as AddressInfo).port}\n`)
})
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
