/**
 * The WebSocket door: `ws://HOST:PORT/<room>`. The room name is checked before any WebSocket
 * exists, the room is loaded (once), and only then is the upgrade completed and the socket
 * attached, so no message can arrive before its room is ready.
 */
import type { IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import type { WebSocketServer } from 'ws'
import { isValidRoomName } from '@cowrite/protocol'
import type { Authorizer } from '../auth/authorize.js'
import { refuseUpgrade } from './json.js'
import { describeBadTarget, parseRequestTarget, redactTarget, requestToken } from './request-target.js'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import { Connection, type ConnectionLimits } from '../sync/connection.js'

export interface UpgradeContext {
  wss: WebSocketServer
  registry: RoomRegistry
  limits: ConnectionLimits
  log: Logger
  metrics: Metrics
  /** Every open connection of the server, for pings and shutdown. */
  connections: Set<Connection>
  auth: Authorizer
  /** `Origin`s allowed to open WebSockets; any when undefined. */
  allowedOrigins: readonly string[] | undefined
}


export function createUpgradeHandler(context: UpgradeContext) {
  const { wss, registry, limits, log, metrics, connections, auth, allowedOrigins } = context

  /**
   * Handle one upgrade request. Never rejects: a fault of ours is logged with the request and
   * answered 500, so no request can take the process down.
   */
  /** Errors of a socket still being upgraded (ws handles them once it has the socket). */
  const onUpgradeError = (error: Error) => log.debug({ err: error }, 'upgrade socket error')

  /** Keep the server's set of connections: what pings and shutdown reach. */
  const track = (connection: Connection) => {
    connections.add(connection)
    metrics.connections.inc()
    connection.onClose(() => {
      connections.delete(connection)
      metrics.connections.dec()
    })
  }

  return async function handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    socket.on('error', onUpgradeError)
    try {
      await upgrade(request, socket, head)
    } catch (error) {
      log.error({ err: error, url: redactTarget(request.url), remote: request.socket.remoteAddress }, 'upgrade failed')
      if (!socket.destroyed) refuseUpgrade(socket, 500, 'internal error')
    }
  }

  async function upgrade(request: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const target = parseRequestTarget(request.url)
    if (!target) {
      metrics.error('bad-request')
      log.warn({ url: redactTarget(request.url), remote: request.socket.remoteAddress }, 'upgrade refused: malformed request target')
      refuseUpgrade(socket, 400, describeBadTarget(request.url))
      return
    }
    // The room is the whole path without its leading slash.
    const name = target.pathname.slice(1)
    if (!isValidRoomName(name)) {
      metrics.error('bad-room')
      log.warn({ room: name, remote: request.socket.remoteAddress }, 'upgrade refused: invalid room name')
      refuseUpgrade(socket, 400, `invalid room name ${JSON.stringify(name)}`)
      return
    }
    // A browser always sends Origin: this stops other sites' pages, not other programs.
    const origin = request.headers.origin
    if (allowedOrigins && origin !== undefined && !allowedOrigins.includes(origin)) {
      metrics.error('forbidden')
      log.warn({ room: name, origin }, 'upgrade refused: origin not allowed')
      refuseUpgrade(socket, 403, `origin ${origin} not allowed`)
      return
    }
    const decision = await auth.authorize(requestToken(request, target), name)
    if (!decision.ok) {
      metrics.error(decision.status === 401 ? 'unauthorized' : 'forbidden')
      log.warn({ room: name, status: decision.status, reason: decision.error }, 'upgrade refused')
      refuseUpgrade(socket, decision.status, decision.error)
      return
    }
    let room
    try {
      room = await registry.acquire(name)
    } catch (error) {
      metrics.error('storage')
      log.error({ room: name, err: error }, 'room failed to load')
      refuseUpgrade(socket, 503, 'room could not be loaded')
      return
    }
    if (socket.destroyed) {
      registry.release(room)
      return
    }
    // ws drops a malformed handshake without calling back: the room must not stay held then.
    const releaseUnattached = () => registry.release(room)
    socket.once('close', releaseUnattached)
    const { grant } = decision
    wss.handleUpgrade(request, socket, head, (ws) => {
      // What only the handshake needed goes with it: nothing of it stays with every idle connection.
      socket.off('close', releaseUnattached)
      socket.off('error', onUpgradeError)
      const connection = new Connection(ws, name, grant, limits, log, metrics)
      track(connection)
      room.attach(connection)
      registry.release(room)
    })
  }
}
