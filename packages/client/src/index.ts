/**
 * @cowrite/client: browser helpers for a Cowrite server. This file only re-exports: it is the
 * package's public API.
 */
export { connectRoom, type ConnectRoomOptions, type RoomSession, type UserInfo } from './connect-room.js'
export { collabEditor, type CollabEditorOptions } from './collab-editor.js'
export { readOnlyText } from './read-only-text.js'
export { createConnectionMachine, type ConnectionState, type ConnectionMachine, type ConnectionMachineOptions, type AccessCheck, type CloseInfo, type Timers } from './connection-state.js'
export { backoffDelay, backoffCeiling, BACKOFF_DEFAULTS, type BackoffOptions } from './backoff.js'
export { checkAccess, type AccessCheckOptions } from './access-check.js'
export { listPeers, onPeers, type Peer } from './presence.js'
export { serverUrls, type ServerUrls } from './server-url.js'
export { tokenName, tokenRole } from './token.js'
export { USER_COLORS, colorForName, lightColor, makeUser } from './user-color.js'
export { followActivity, activityUrl, type FollowHandlers, type FollowOptions, type FollowState, type ActivityFollower, type EventSourceConstructor, type EventSourceLike } from './follow-activity.js'
