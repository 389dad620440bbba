/**
 * The HTTP API: health, metrics and read-only room information. Writes go through the
 * WebSocket only.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { isValidRoomName, type RoomSummary } from '@cowrite/protocol'
import type { Logger } from '../log.js'
import type { Metrics } from '../metrics.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import { textOf } from '../rooms/stored-text.js'
import type { Storage } from '../storage/storage.js'
import type { Authorizer, Grant } from '../auth/authorize.js'
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
}

const ROOM_ROUTE = /^\/api\/rooms\/([^/]+)(\/text|\/activity)?$/

export function createRoutes(context: RoutesContext) {
  const { registry, storage, metrics, corsOrigin } = context

  async function listRooms(covers: (room: string) => boolean): Promise<RoomSummary[]> {
    const rooms = new Map<string, RoomSummary>()
    for (const stored of await storage.list()) {
      rooms.set(stored.name, { name: stored.name, connections: 0, length: stored.length, updatedAt: new Date(stored.updatedAt).toISOString() })
    }
    for (const room of registry.loaded()) rooms.set(room.name, loadedSummary(room.name)!)
    return [...rooms.values()].filter((room) => covers(room.name)).sort((a, b) => a.name.localeCompare(b.name))
  }

  function loadedSummary(name: string): RoomSummary | undefined {
    const room = registry.get(name)
    if (!room) return undefined
    return { name, connections: room.connectionCount, length: room.length, updatedAt: new Date(room.updatedAt).toISOString() }
  }

  async function roomInfo(response: ServerResponse, name: string): Promise<void> {
    const room = registry.get(name)
    if (room) {
      sendJson(response, 200, { ...loadedSummary(name), users: room.users() })
      return
    }
    const stored = await storage.get(name)
    if (!stored) return sendError(response, 404, `room ${name} not found`)
    sendJson(response, 200, { name, connections: 0, users: [], length: stored.length, updatedAt: new Date(stored.updatedAt).toISOString() })
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

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = parseRequestTarget(request.url)
    if (!url) {
      metrics.error('bad-request')
      context.log.warn({ url: redactTarget(request.url), remote: request.socket.remoteAddress }, 'request refused: malformed request target')
      return sendError(response, 400, describeBadTarget(request.url))
    }
    const path = url.pathname
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
    const match = ROOM_ROUTE.exec(path)
    if (match) {
      const name = match[1]!
      if (!isValidRoomName(name)) return sendError(response, 400, `invalid room name ${JSON.stringify(name)}`)
      const decision = await context.auth.authorize(requestToken(request, url), name)
      if (!decision.ok) return sendError(response, decision.status, decision.error)
      if (match[2] === '/activity') return activity(request, response, name, url, decision.grant)
      return match[2] ? roomText(response, name) : roomInfo(response, name)
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
        'Access-Control-Allow-Methods': 'GET, HEAD, OPTIONS',
        'Access-Control-Allow-Headers': 'Authorization, Last-Event-ID, Content-Type',
        'Access-Control-Max-Age': '86400',
      })
      response.end()
      return
    }
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD, OPTIONS')
      return sendError(response, 405, `method ${request.method} not allowed`)
    }
    route(request, response).catch((error: unknown) => {
      context.log.error({ err: error, url: redactTarget(request.url) }, 'request failed')
      if (!response.headersSent) sendError(response, 500, 'internal error')
      else response.destroy()
    })
  }
}
