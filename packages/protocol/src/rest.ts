/**
 * The JSON the HTTP API answers with, shared by the server that writes it and the apps that
 * read it.
 */
import type { ActivityUser } from './activity.js'

/** What a token (or, with auth off, everyone) may do: `admin` may also delete rooms. */
export type Role = 'admin' | 'edit' | 'view'

/** One room in `GET /api/rooms`. */
export interface RoomSummary {
  name: string
  /** Open WebSocket connections on the answering server. */
  connections: number
  /** Length of the text. */
  length: number
  /** ISO 8601 time of the last stored change, or null. */
  updatedAt: string | null
}

/** `GET /api/rooms/<room>`: the summary and who is present. */
export interface RoomInfo extends RoomSummary {
  users: Array<NonNullable<ActivityUser>>
}

/** Every error answer: `{ "error": "…" }` with a fitting status. */
export interface ErrorBody {
  error: string
}

/** `GET /healthz`. */
export interface HealthBody {
  ok: boolean
  /** This instance's name (`--instance-id`). */
  instance: string
  /** Under scale-out: `ok` or what fails. */
  redis?: string
  storage?: string
  /** What fails, in words, when not ok. */
  error?: string
  /** Rooms whose last write or load failed. */
  rooms?: string[]
  failures?: Array<{ room: string; operation: 'write' | 'load'; error: string }>
}
