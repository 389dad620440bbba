/**
 * `createServer`: one HTTP server carrying the API and the WebSocket sync endpoint, with
 * everything it owns (rooms, storage, metrics, timers) hanging off the returned object, so any
 * number of servers can run in one process. Plain HTTP by default; with `tls`, HTTPS with HTTP/2
 * and HTTP/1.1 on the same port (http/tls-server.ts).
 */
import { hostname } from 'node:os'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer } from 'ws'
import type { ActivityEvent } from '@cowrite/protocol'
import { createAuthorizer } from './auth/authorize.js'
import { describeClientError, refuseUpgrade } from './http/json.js'
import { createRoutes } from './http/routes.js'
import { createStaticFiles } from './http/static.js'
import { createLogger, type Logger } from './log.js'
import { createMetrics } from './metrics.js'
import { DEFAULTS, type ServerOptions } from './options.js'
import type { ActivitySink } from './activity/activity-sink.js'
import { ActivityTracker } from './activity/activity-tracker.js'
import { createWebhooks } from './webhooks/webhooks.js'
import { AWARENESS_DEFAULTS } from './rooms/awareness-relay.js'
import { RoomRegistry } from './rooms/room-registry.js'
import type { Fanout } from './fanout/fanout.js'
import { createLocalFanout } from './fanout/local.js'
import { createRedisFanout, type RedisFanout } from './fanout/redis.js'
import { createHealth } from './http/health.js'
import { ActivityHub } from './stream/activity-hub.js'
import { createMemoryStorage } from './storage/memory.js'
import type { Connection } from './sync/connection.js'
import { createUpgradeHandler } from './http/upgrade.js'
import { createTlsServer, type TlsServer } from './http/tls-server.js'

export interface CowriteServer {
  /** `http://HOST:PORT` (`https://` with `tls`) with the port actually bound. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly log: Logger
  /**
   * Stop accepting, store what is pending, close sockets with 1001, close storage. Resolves
   * (never rejects for storage) with what could not be stored.
   */
  close(): Promise<CloseReport>
  /**
   * Read the `tls` files again and serve the new certificate to new connections (a renewal
   * without a restart). Resolves true once replaced; false, with an error logged, when the files
   * cannot be used, and the previous certificate stays. Without `tls`: false.
   */
  reloadTls(): Promise<boolean>
}

/** The outcome of `close()`. */
export interface CloseReport {
  /** Rooms whose applied updates could not be stored before the server stopped. */
  unstoredRooms: string[]
}

/** Start a server; resolves once it listens. */
export async function createServer(options: ServerOptions = {}): Promise<CowriteServer> {
  const host = options.host ?? DEFAULTS.host
  const log = options.logger ?? createLogger(options.logLevel ?? DEFAULTS.logLevel)
  // The one thing read before anything starts: unusable certificate files refuse the start
  // (a TlsFilesError naming the file) with nothing to release.
  const tls: TlsServer | undefined = options.tls ? await createTlsServer(options.tls, handleRequest, log) : undefined
  const storage = options.storage ?? createMemoryStorage()
  const metrics = createMetrics({ processMetrics: options.processMetrics ?? false })
  const hub = new ActivityHub(
    {
      heartbeatMs: options.heartbeatMs ?? DEFAULTS.heartbeatMs,
      maxBufferedBytes: options.sseBufferLimit ?? DEFAULTS.sseBufferLimit,
      drainTimeoutMs: options.sseDrainTimeoutMs ?? DEFAULTS.sseDrainTimeoutMs,
    },
    metrics,
    log,
  )
  // A log several instances share delivers every instance's events, this one's included, in id
  // order: the hub publishes what it follows, and the tracker only stores.
  const instance = options.instanceId ?? `${hostname()}-${process.pid}`
  if (options.redis && !storage.shared) {
    throw new Error('--redis joins instances that share one store: use --storage postgres://… (SQLite and memory belong to one process)')
  }
  const follow = storage.activity.follow?.bind(storage.activity)
  // Webhooks read the stored log themselves; each stored event only tells them to look.
  const webhooks = options.webhooks && createWebhooks(options.webhooks, storage, instance, log, metrics)
  const published = (event: ActivityEvent) => {
    hub.publish(event)
    webhooks?.kick()
  }
  const publishUpdates: ActivitySink['publishUpdates'] = (room, updates) => hub.publishUpdates(room, updates)
  const sink: ActivitySink = { publish: follow ? () => {} : published, publishUpdates }
  const stopFollowing = follow ? await follow(published) : undefined
  const tracker = new ActivityTracker(storage.activity, sink, log, options.activity)
  // Connecting never throws for an unreachable Redis (it retries); anything else must not leak the follower.
  const redis: RedisFanout | undefined = options.redis
    ? await createRedisFanout({ url: options.redis, instanceId: instance, log, metrics }).catch(async (error: unknown) => {
        await stopFollowing?.()
        throw error
      })
    : undefined
  const fanout: Fanout = redis ?? createLocalFanout()
  const registry = new RoomRegistry({
    storage,
    log,
    metrics,
    observer: tracker,
    fanout,
    unloadAfterMs: options.unloadAfterMs ?? DEFAULTS.unloadAfterMs,
    awareness: { ...AWARENESS_DEFAULTS, ...options.awareness },
    versionTiming: options.versionTiming,
  })
  const connections = new Set<Connection>()

  const auth = createAuthorizer(options.authSecret)
  const routes = createRoutes({
    auth,
    registry,
    storage,
    metrics,
    log,
    stream: { hub, registry, activity: storage.activity },
    corsOrigin: options.corsOrigin ?? DEFAULTS.corsOrigin,
    health: createHealth({ instance, registry, redis: redis && (() => redis!.status) }),
    statics: createStaticFiles({ editorDir: options.editorDir, viewerDir: options.viewerDir }),
    maxBody: options.maxMessage ?? DEFAULTS.maxMessage,
  })
  /** The answer in progress on each socket: a parser error behind it waits until it is sent. */
  const answering = new WeakMap<Socket, ServerResponse>()
  // Hoisted: the TLS server above is made with it; no request arrives before `listen`.
  function handleRequest(request: IncomingMessage | Http2ServerRequest, response: ServerResponse | Http2ServerResponse): void {
    // Only HTTP/1.1 has a parser error that can follow an answer on the same socket; an HTTP/2
    // request's `socket` is a proxy of the whole session's.
    if (request.httpVersionMajor === 1) {
      const socket = request.socket
      answering.set(socket, response as ServerResponse)
      response.once('close', () => answering.delete(socket))
    }
    // The routes are written against node:http's objects; HTTP/2's compatibility API implements
    // every member they use (headers, url, method, writeHead, setHeader, write, end, destroy,
    // 'close'), and sse.ts takes the Http2Stream itself where the two differ.
    routes(request as IncomingMessage, response as ServerResponse)
  }
  const plain = tls ? undefined : createHttpServer(handleRequest)
  const http = tls?.server ?? plain!
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxMessage ?? DEFAULTS.maxMessage, perMessageDeflate: false })
  const handleUpgrade = createUpgradeHandler({
    wss,
    registry,
    log,
    metrics,
    connections,
    auth,
    allowedOrigins: options.allowedOrigins,
    limits: {
      sendBufferLimit: options.sendBufferLimit ?? DEFAULTS.sendBufferLimit,
      rateLimit: options.rateLimit ?? DEFAULTS.rateLimit,
      rateLimitGraceMs: options.rateLimitGraceMs ?? DEFAULTS.rateLimitGraceMs,
    },
  })
  http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => void handleUpgrade(request, socket, head))
  // A handshake ws refuses (wrong method, bad key or version) gets a JSON answer too, not ws's HTML.
  wss.on('wsClientError', (error: Error, socket: Socket, request: IncomingMessage) => {
    const status = request.method === 'GET' ? 400 : 405
    metrics.error('bad-request')
    log.warn({ status, reason: error.message, remote: socket.remoteAddress }, 'upgrade refused: invalid handshake')
    refuseUpgrade(socket, status, `invalid WebSocket handshake: ${error.message}`)
  })
  // Node answers a request its parser refuses (oversized headers, bad syntax) with an empty
  // body; answer with JSON like every other error, and log it.
  http.on('clientError', (error: Error & { code?: string }, socket: Socket) => {
    if (error.code === 'ECONNRESET') return socket.destroy()
    const { status, error: reason } = describeClientError(error)
    metrics.error('bad-request')
    log.warn({ status, code: error.code, remote: socket.remoteAddress }, `request refused: ${reason}`)
    const inProgress = answering.get(socket)
    if (inProgress) inProgress.once('close', () => refuseUpgrade(socket, status, reason))
    else refuseUpgrade(socket, status, reason)
  })

  const pinger = setInterval(() => {
    for (const connection of connections) connection.ping()
  }, options.pingIntervalMs ?? DEFAULTS.pingIntervalMs)
  pinger.unref()

  try {
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject)
      http.listen(options.port ?? DEFAULTS.port, host, () => {
        http.off('error', reject)
        resolve()
      })
    })
  } catch (error) {
    // Not listening (the port is taken, say): release what started, so the process can exit.
    clearInterval(pinger)
    hub.close()
    await webhooks?.close()
    await stopFollowing?.()
    await redis?.close()
    throw error
  }
  const port = (http.address() as AddressInfo).port
  if (!auth.enabled && !isLoopback(host)) {
    log.warn({ host }, 'no --auth-secret: anyone who can reach this address can read and edit every room')
  }
  const url = `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`
  if (tls) {
    const { subject, validTo } = tls.certificate
    log.info({ subject, validTo: validTo.toISOString() }, 'serving HTTPS (HTTP/2 and HTTP/1.1)')
  }

  let closing: Promise<CloseReport> | undefined
  async function close(): Promise<CloseReport> {
    clearInterval(pinger)
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()))
    const unstoredRooms = await registry.close()
    await tracker.flush()
    await webhooks?.close()
    await stopFollowing?.()
    hub.close()
    wss.close()
    // node:http2 has no closeAllConnections: the TLS server tracks its sockets itself.
    plain?.closeAllConnections()
    tls?.closeAllConnections()
    await stopped
    await redis?.close()
    await storage.close()
    log.info({ unstoredRooms: unstoredRooms.length }, 'server closed')
    return { unstoredRooms }
  }

  return {
    url,
    host,
    port,
    log,
    close: () => (closing ??= close()),
    reloadTls: () => tls?.reload() ?? Promise.resolve(false),
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
