/**
 * `createServer`: one HTTP server carrying the API and the WebSocket sync endpoint, with
 * everything it owns (rooms, storage, metrics, timers) hanging off the returned object, so any
 * number of servers can run in one process.
 */
import { hostname } from 'node:os'
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { WebSocketServer } from 'ws'
import { createAuthorizer } from './auth/authorize.js'
import { describeClientError, refuseUpgrade } from './http/json.js'
import { createRoutes } from './http/routes.js'
import { createStaticFiles } from './http/static.js'
import { createLogger, type Logger } from './log.js'
import { createMetrics } from './metrics.js'
import { DEFAULTS, type ServerOptions } from './options.js'
import type { ActivitySink } from './activity/activity-sink.js'
import { ActivityTracker } from './activity/activity-tracker.js'
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

export interface CowriteServer {
  /** `http://HOST:PORT` with the port actually bound. */
  readonly url: string
  readonly host: string
  readonly port: number
  readonly log: Logger
  /**
   * Stop accepting, store what is pending, close sockets with 1001, close storage. Resolves
   * (never rejects for storage) with what could not be stored.
   */
  close(): Promise<CloseReport>
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
  const sink: ActivitySink = follow ? { publish: () => {}, publishUpdates: (room, updates) => hub.publishUpdates(room, updates) } : hub
  const stopFollowing = follow ? await follow((event) => hub.publish(event)) : undefined
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
  })
  /** The answer in progress on each socket: a parser error behind it waits until it is sent. */
  const answering = new WeakMap<Socket, ServerResponse>()
  const http = createHttpServer((request, response) => {
    answering.set(request.socket, response)
    response.once('close', () => answering.delete(request.socket))
    routes(request, response)
  })
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
  http.on('upgrade', (request, socket, head) => void handleUpgrade(request, socket, head))
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
    await stopFollowing?.()
    await redis?.close()
    throw error
  }
  const port = (http.address() as AddressInfo).port
  if (!auth.enabled && !isLoopback(host)) {
    log.warn({ host }, 'no --auth-secret: anyone who can reach this address can read and edit every room')
  }
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`

  let closing: Promise<CloseReport> | undefined
  async function close(): Promise<CloseReport> {
    clearInterval(pinger)
    const stopped = new Promise<void>((resolve) => http.close(() => resolve()))
    const unstoredRooms = await registry.close()
    await tracker.flush()
    await stopFollowing?.()
    hub.close()
    wss.close()
    http.closeAllConnections()
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
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
