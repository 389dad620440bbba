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
  /** The document's title (`meta` map key `title`), or null when it has none. */
  title: string | null
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

/** `POST /api/rooms/<room>/share`: the body. `ttl` like `90`, `30m`, `12h`, `7d`; default 7 days. */
export interface ShareRequest {
  role: 'edit' | 'view'
  ttl?: string
}

/** `POST /api/rooms/<room>/share`: a link to the room that opens with the asked role. */
export interface ShareResponse {
  url: string
  role: Role
  /** When the link's token expires (ISO 8601), or null with auth off. */
  expiresAt: string | null
}

/** A point in a room's history (`GET /api/rooms/<room>/versions`, newest first). */
export interface Version {
  /** Positive, increasing within the room. */
  id: number
  /** ISO 8601 time of the version's last change. */
  at: string
  /** Null for automatic versions. */
  name: string | null
  /** Who changed the text since the previous version. */
  authors: Array<NonNullable<ActivityUser>>
  /** Length of the text at this version. */
  length: number
}

/** One run of a version's text: unchanged since the previous version, or inserted or deleted by `author`. */
export interface ChangedPart {
  text: string
  change: 'kept' | 'inserted' | 'deleted'
  /** Who inserted or deleted it (null: unknown, and always for `kept`). */
  author: ActivityUser
}

/** `GET /api/rooms/<room>/changes?version=<id>`: a version's text with what changed since the previous version marked. */
export interface VersionChanges {
  version: Version
  /** The version compared against; null for the room's first (then everything is inserted). */
  previous: Version | null
  /** The text in order, deleted runs where they were. */
  parts: ChangedPart[]
}
