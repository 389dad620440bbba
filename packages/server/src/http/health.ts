/**
 * `GET /healthz`: 200 while this instance can do its work, 503 naming what fails: rooms whose
 * last write or load failed (`storage`), and under scale-out the shared fan-out (`redis`).
 */
import type { HealthBody } from '@cowrite/protocol'
import type { RoomRegistry } from '../rooms/room-registry.js'

export interface HealthSources {
  /** This instance's name. */
  instance: string
  registry: RoomRegistry
  /** The shared fan-out's status (`ok` or what fails); absent on a single instance. */
  redis?: () => string
}

export function createHealth({ instance, registry, redis }: HealthSources): () => { status: 200 | 503; body: HealthBody } {
  return () => {
    const failing = registry.failing()
    const redisStatus = redis?.()
    const storageOk = failing.length === 0
    const redisOk = redisStatus === undefined || redisStatus === 'ok'
    const body: HealthBody = { ok: storageOk && redisOk, instance }
    if (redisStatus !== undefined) {
      body.redis = redisStatus
      body.storage = storageOk ? 'ok' : 'failing'
    }
    if (!storageOk) {
      body.rooms = failing.map((room) => room.name)
      body.failures = failing.map(({ name, operation, error }) => ({ room: name, operation, error: error.message }))
    }
    if (!body.ok) body.error = [storageOk ? null : 'storage failing', redisOk ? null : 'redis failing'].filter(Boolean).join(', ')
    return { status: body.ok ? 200 : 503, body }
  }
}
