export { ROOM_NAME_PATTERN, isValidRoomName, assertRoomName } from './room-name.js'
export { CloseCode } from './close-codes.js'
export {
  ACTIVITY_TYPES,
  STREAM_EVENT_TYPES,
  SSE_RETRY_MS,
  decodeStreamEvent,
  encodeSseEvent,
  isActivityEvent,
  type ActivityEvent,
  type ActivityUser,
  type DeletedEvent,
  type EditEvent,
  type JoinEvent,
  type LeaveEvent,
  type NewActivityEvent,
  type ResetEvent,
  type RestoreEvent,
  type SnapshotEvent,
  type StreamEvent,
  type StreamEventType,
  type UpdateEvent,
  type VersionEvent,
} from './activity.js'
export { MAX_USER_NAME_LENGTH, capUserName, readAwarenessUser, readUserColor } from './user.js'
export { CONTENT, MAX_TITLE_LENGTH, META, TITLE, summarizeTitle } from './document.js'
export { DEFAULT_ACTIVITY_RETENTION, DEFAULT_ACTIVITY_TAIL } from './defaults.js'
export type { ChangedPart, ErrorBody, HealthBody, Role, RoomInfo, RoomSummary, ShareRequest, ShareResponse, Version, VersionChanges } from './rest.js'
