/**
 * Hocuspocus (`@hocuspocus/server` 4.x) with its default settings and no storage extension:
 * documents in memory. Prints `listening on http://HOST:PORT` when ready. `GET /bench/applied`
 * answers the number of document updates applied so far (the benchmark's only addition).
 */
import { Server } from '@hocuspocus/server'

let applied = 0

const server = new Server({
  port: 0,
  address: '127.0.0.1',
  quiet: true,
  stopOnSignals: false,
  extensions: [
    {
      async afterLoadDocument({ document }: { document: { on(event: 'update', listener: () => void): void } }) {
        document.on('update', () => applied++)
      },
      async onRequest({ request, response }: { request: { url?: string }; response: { writeHead(status: number): void; end(body: string): void } }) {
        if (request.url !== '/bench/applied') return
        response.writeHead(200)
        response.end(String(applied))
        // Hocuspocus treats a falsy rejection as "answered by an extension".
        return Promise.reject()
      },
    },
  ],
})
await server.listen()
process.stdout.write(`listening on http://127.0.0.1:${server.address.port}\n`)
process.on('SIGTERM', () => process.exit(0))
process.on('SIGINT', () => process.exit(0))
