export { ROOM_NAME_PATTERN, isValidRoomName, assertRoomName } from './room-name.js'
export { CloseCode } from './close-codes.js'
