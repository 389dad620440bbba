/**
 * Room names: the last path segment of a WebSocket URL and a part of every HTTP route, so they
 * are restricted to characters that need no escaping anywhere.
 */

/** The contract's room-name rule: letters, digits, `.`, `_`, `-`; 1 to 128 characters. */
export const ROOM_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/

/** Whether `name` may name a room. */
export function isValidRoomName(name: string): boolean {
  return ROOM_NAME_PATTERN.test(name)
}

/** Throws at once with the offending value, for programmer-supplied names. */
export function assertRoomName(name: string): string {
  if (!isValidRoomName(name)) {
    throw new RangeError(`Invalid room name ${JSON.stringify(name)}: must match ${ROOM_NAME_PATTERN}`)
  }
  return name
}
