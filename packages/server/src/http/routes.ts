/**
 * The HTTP API: health, metrics, room information, and the room routes that write (sharing,
 * history). Every room route is authorized once, here, and declares the role it needs; its
 * refusals are thrown as HttpErrors and answered as JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isValidRoomName, type RoomSummary } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import { textOf } from '../rooms/stored-text.js'
import type { Storage, StoredRoom } from '../storage/storage.js'
import type { Authorizer, Grant } from '../auth/authorize.js'
import { roleAllows, type Role } from '../auth/tokens.js'
import { readJsonObject } from './body.js'
import { createHistoryRoutes } from './history.js'
import { createRoomWrites } from './room-writes.js'
import { HttpError } from './http-error.js'
import { shareLink } from './share.js'
import { streamActivity, type ActivityStreamContext } from './sse.js'
import { sendError, sendJson } from './json.js'
import { sendNotFoundPage, wantsHtml } from './not-found-page.js'
import { describeBadTarget, parseRequestTarget, redactTarget, requestToken } from './request-target.js'
import type { StaticFiles } from './static.js'

export interface RoutesContext {
  auth: Authorizer
  registry: RoomRegistry
  stream: ActivityStreamContext
  storage: Storage
  metrics: Metrics
  log: Logger
  corsOrigin: string
  /** The `/healthz` answer (http/health.ts). */
  health: () => { status: number; body: unknown }
  /** The apps' built files, asked for any path the API does not own; none without it. */
  statics?: StaticFiles
  /** Bytes a request body may have (`--max-message`): more is refused with 413. */
  maxBody: number
}

const ROOM_ROUTE = /^\/api\/rooms\/([^/]+)(?:\/([a-z]+))?$/

/** One authorized request to a room route. */
export interface RoomCall {
  request: IncomingMessage
  response: ServerResponse
  room: string
  url: URL
  grant: Grant
}

/** A room route's handler for one method, and the least role it needs. */
interface RoomHandler {
  role: Role
  handle(call: RoomCall): Promise<void> | void
}

/** Methods the API answers, for CORS preflights. */
const METHODS = 'GET, HEAD, POST, PUT, DELETE, OPTIONS'

export function createRoutes(context: RoutesContext) {
  const { registry, storage, metrics, corsOrigin } = context

  async function listRooms(covers: (room: string) => boolean): Promise<RoomSummary[]> {
    const rooms = new Map<string, RoomSummary>()
    for (const stored of await storage.list()) {
      rooms.set(stored.name, storedSummary(stored))
    }
    for (const room of registry.loaded()) rooms.set(room.name, loadedSummary(room.name)!)
    return [...rooms.values()].filter((room) => covers(room.name)).sort((a, b) => a.name.localeCompare(b.name))
  }

  function loadedSummary(name: string): RoomSummary | undefined {
    const room = registry.get(name)
    if (!room) return undefined
    return { name, connections: room.connectionCount, length: room.length, updatedAt: new Date(room.updatedAt).toISOString(), title: room.title() }
  }

  function storedSummary(stored: StoredRoom): RoomSummary {
    return { name: stored.name, connections: 0, length: stored.length, updatedAt: new Date(stored.updatedAt).toISOString(), title: stored.title }
  }

  async function roomInfo(response: ServerResponse, name: string): Promise<void> {
    const room = registry.get(name)
    if (room) {
      sendJson(response, 200, { ...loadedSummary(name), users: room.users() })
      return
    }
    const stored = await storage.get(name)
    if (!stored) return sendError(response, 404, `room ${name} not found`)
    sendJson(response, 200, { ...storedSummary(stored), users: [] })
  }

  /** The stored text: a room with updates not yet stored (storage failing) answers from the store. */
  async function roomText(response: ServerResponse, name: string): Promise<void> {
    if (!registry.get(name) && !(await storage.get(name))) return sendError(response, 404, `room ${name} not found`)
    const room = await registry.acquire(name)
    let text: string
    try {
      text = room.isStored ? room.text() : textOf(await storage.load(name))
    } catch (error) {
      context.log.error({ room: name, err: error }, 'stored text could not be read')
      return sendError(response, 503, `room ${name} could not be read from storage`)
    } finally {
      registry.release(room)
    }
    response.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) })
    response.end(text)
  }

  /** An activity stream; a HEAD gets its headers only (a stream never ends by itself). */
  function activity(request: IncomingMessage, response: ServerResponse, room: string | undefined, url: URL, grant: Grant): Promise<void> | void {
    if (request.method === 'HEAD') {
      response.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' })
      response.end()
      return
    }
    return streamActivity(context.stream, request, response, room, url, grant)
  }

  const history = createHistoryRoutes({ registry, storage, maxBody: context.maxBody })
  const writes = createRoomWrites({ registry, storage, log: context.log, maxBody: context.maxBody })

  /** Room routes by their last path segment ('' for the room itself), then by method. */
  const roomRoutes: Record<string, Record<string, RoomHandler>> = {
    '': {
      GET: { role: 'view', handle: ({ response, room }) => roomInfo(response, room) },
      DELETE: { role: 'admin', handle: ({ response, room, grant }) => writes.delete(response, room, grant) },
    },
    update: {
      GET: { role: 'view', handle: ({ response, room }) => writes.state(response, room) },
      POST: { role: 'edit', handle: ({ request, response, room, grant }) => writes.applyUpdate(request, response, room, grant) },
    },
    text: {
      GET: {
        role: 'view',
        handle: ({ response, room, url }) =>
          url.searchParams.has('version') || url.searchParams.has('at') ? history.text(response, room, url) : roomText(response, room),
      },
      PUT: { role: 'edit', handle: ({ request, response, room, grant }) => writes.replaceText(request, response, room, grant) },
    },
    versions: {
      GET: { role: 'view', handle: ({ response, room }) => history.list(response, room) },
      POST: { role: 'edit', handle: ({ request, response, room, grant }) => history.name(request, response, room, grant) },
    },
    changes: { GET: { role: 'view', handle: ({ response, room, url }) => history.changes(response, room, url) } },
    restore: { POST: { role: 'edit', handle: ({ request, response, room, grant }) => history.restore(request, response, room, grant) } },
    activity: { GET: { role: 'view', handle: ({ request, response, room, url, grant }) => activity(request, response, room, url, grant) } },
    share: {
      POST: {
        role: 'view',
        async handle({ request, response, room, grant }) {
          const body = await readJsonObject(request, context.maxBody)
          sendJson(response, 200, await shareLink(context.auth, request, room, grant, body))
        },
      },
    },
  }

  function refuseMethod(response: ServerResponse, allowed: readonly string[]): void {
    const allow = [...allowed.flatMap((method) => (method === 'GET' ? ['GET', 'HEAD'] : [method])), 'OPTIONS'].join(', ')
    response.setHeader('Allow', allow)
    sendError(response, 405, `method not allowed here; allowed: ${allow}`)
  }

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = parseRequestTarget(request.url)
    if (!url) {
      metrics.error('bad-request')
      context.log.warn({ url: redactTarget(request.url), remote: request.socket.remoteAddress }, 'request refused: malformed request target')
      return sendError(response, 400, describeBadTarget(request.url))
    }
    const path = url.pathname
    const match = ROOM_ROUTE.exec(path)
    const routes = match && roomRoutes[match[2] ?? '']
    if (!routes && request.method !== 'GET' && request.method !== 'HEAD') return refuseMethod(response, ['GET'])
    if (path === '/healthz') {
      const { status, body } = context.health()
      return sendJson(response, status, body)
    }
    if (path === '/metrics') {
      const body = await metrics.registry.metrics()
      response.writeHead(200, { 'Content-Type': metrics.registry.contentType })
      response.end(body)
      return
    }
    if (path === '/api/rooms' || path === '/api/activity') {
      const decision = await context.auth.authorize(requestToken(request, url), undefined)
      if (!decision.ok) return sendError(response, decision.status, decision.error)
      if (path === '/api/rooms') return sendJson(response, 200, await listRooms(decision.grant.covers))
      return activity(request, response, undefined, url, decision.grant)
    }
    if (match && routes) {
      const name = match[1]!
      const handler = routes[request.method === 'HEAD' ? 'GET' : request.method!]
      if (!handler) return refuseMethod(response, Object.keys(routes))
      if (!isValidRoomName(name)) return sendError(response, 400, `invalid room name ${JSON.stringify(name)}`)
      const decision = await context.auth.authorize(requestToken(request, url), name)
      if (!decision.ok) return sendError(response, decision.status, decision.error)
      const { grant } = decision
      // With auth off everything is allowed (admin included).
      if (!roleAllows(grant.role, handler.role)) return sendError(response, 403, `${request.method} ${path} needs the ${handler.role} role; this token has ${grant.role}`)
      return handler.handle({ request, response, room: name, url, grant })
    }
    if (!path.startsWith('/api/') && context.statics && (await context.statics.serve(request, response, path))) return
    // A person who followed a wrong link gets a page; programs (and every /api/ path) get JSON.
    if (!path.startsWith('/api/') && wantsHtml(request)) return sendNotFoundPage(response, path)
    sendError(response, 404, `no route for ${path}`)
  }

  /** Node's request listener: CORS, method check, then the routes; errors become JSON 500s. */
  return function handle(request: IncomingMessage, response: ServerResponse): void {
    response.setHeader('Access-Control-Allow-Origin', corsOrigin)
    if (corsOrigin !== '*') response.setHeader('Vary', 'Origin')
    if (request.method === 'OPTIONS') {
      response.writeHead(204, {
        'Access-Control-Allow-Methods': METHODS,
        'Access-Control-Allow-Headers': 'Authorization, Last-Event-ID, Content-Type',
        'Access-Control-Max-Age': '86400',
      })
      response.end()
      return
    }
    route(request, response).catch((error: unknown) => {
      if (error instanceof HttpError && !response.headersSent) {
        context.log.info({ url: redactTarget(request.url), method: request.method, status: error.status, reason: error.message }, 'request refused')
        // A body left unread (413) must not be parsed as the next request (HTTP/2 streams end on their own).
        if (error.status === 413 && request.httpVersionMajor === 1) response.setHeader('Connection', 'close')
        return sendError(response, error.status, error.message)
      }
      context.log.error({ err: error, url: redactTarget(request.url) }, 'request failed')
      if (!response.headersSent) sendError(response, 500, 'internal error')
      else response.destroy()
    })
  }
}
