/**
 * The viewer's reads of the HTTP API (`/api/rooms`, `/api/rooms/<room>`), on the server that
 * served the page, carrying the page's `?token=` when there is one. The streams are
 * followActivity's (@cowrite/client); the viewer opens no WebSocket. The answers' shapes are
 * @cowrite/protocol's, as the server writes them.
 */
import type { ErrorBody, RoomInfo, RoomSummary } from '@cowrite/protocol'

/** The server and the credentials this page was opened with. */
export interface ViewerContext {
  /** The server's base URL (this page's origin). */
  server: string
  /** `?token=` of the page, passed on to every request and stream. */
  token: string | undefined
}

/** What the viewer says when a request got no answer at all (the browser's own words are "Failed to fetch"). */
export const UNREACHABLE = 'Cannot reach the server; retrying'

/** A request that failed: `status` is the HTTP status, or 0 when the server could not be reached. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message)
  }
}

/** A JSON request to the API with the page's token; an ApiError saying why when it fails. */
export async function requestJson<T>(context: ViewerContext, path: string, init: RequestInit = {}): Promise<T> {
  const url = new URL(path, context.server)
  if (context.token) url.searchParams.set('token', context.token)
  let response: Response
  try {
    response = await fetch(url, { ...init, headers: { Accept: 'application/json', ...init.headers }, cache: 'no-store' })
  } catch {
    throw new ApiError(0, UNREACHABLE)
  }
  if (!response.ok) {
    const body = (await response.json().catch(() => null)) as Partial<ErrorBody> | null
    throw new ApiError(response.status, body?.error ?? `${response.status} ${response.statusText}`)
  }
  return (await response.json()) as T
}

function getJson<T>(context: ViewerContext, path: string): Promise<T> {
  return requestJson(context, path)
}

export function fetchRooms(context: ViewerContext): Promise<RoomSummary[]> {
  return getJson(context, '/api/rooms')
}

/** The room's summary and who is connected; an ApiError with status 404 if it does not exist yet. */
export function fetchRoom(context: ViewerContext, room: string): Promise<RoomInfo> {
  return getJson(context, `/api/rooms/${encodeURIComponent(room)}`)
}

/** A viewer link (`/viewer/` or `/viewer/<room>`) that keeps the token. */
export function viewerHref(context: ViewerContext, room?: string): string {
  const path = `${import.meta.env.BASE_URL}${room === undefined ? '' : encodeURIComponent(room)}`
  return context.token ? `${path}?token=${encodeURIComponent(context.token)}` : path
}

/** The editor's page for a room (served by the same server at `/r/<room>`). */
export function editorHref(context: ViewerContext, room: string): string {
  const path = `/r/${encodeURIComponent(room)}`
  return context.token ? `${path}?token=${encodeURIComponent(context.token)}` : path
}

/** The editor's start page (`/`: this browser's rooms and a new one). */
export function startHref(context: ViewerContext): string {
  return context.token ? `/?token=${encodeURIComponent(context.token)}` : '/'
}
