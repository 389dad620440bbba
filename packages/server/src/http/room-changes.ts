/**
 * How an HTTP route changes a room, shared by the REST writes and the restore: hold the room
 * loaded meanwhile (a room deleted meanwhile is a 409), and make one change by a user with a
 * `Writer` origin, answering once it is stored (the commit queue's path, as for a keystroke).
 */
import type { ActivityUser } from '@cowrite/protocol'
import type { Room } from '../rooms/room.js'
import type { RoomRegistry } from '../rooms/room-registry.js'
import { Writer } from '../rooms/writer.js'
import { HttpError } from './http-error.js'

/** Run `work` with the room held loaded. */
export async function withRoom<T>(registry: RoomRegistry, name: string, work: (room: Room) => Promise<T>): Promise<T> {
  const room = await registry.acquire(name)
  try {
    if (room.isDeleted) throw new HttpError(409, `room ${name} was deleted meanwhile`)
    return await work(room)
  } finally {
    registry.release(room)
  }
}

/**
 * Make one change by `user` through `change`, resolving once it is stored with the characters
 * inserted and deleted, after `report` has told the activity log. `change` returns false when it
 * changed nothing: then nothing is stored or reported, and the counts are zero.
 */
export function changeAs(
  room: Room,
  user: ActivityUser,
  change: (writer: Writer) => boolean,
  report: (inserted: number, deleted: number) => void,
): Promise<{ inserted: number; deleted: number }> {
  return new Promise((resolve, reject) => {
    const writer = new Writer(
      user,
      (inserted, deleted) => {
        report(inserted, deleted)
        resolve({ inserted, deleted })
      },
      () => reject(new HttpError(409, `room ${room.name} was deleted before the change was stored`)),
    )
    try {
      if (!change(writer)) resolve({ inserted: 0, deleted: 0 })
    } catch (error) {
      reject(error)
    }
  })
}
