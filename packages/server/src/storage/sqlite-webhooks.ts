/**
 * The SQLite store's webhook cursors (storage/webhook-cursors.ts), table `webhooks`.
 */
import type Database from 'better-sqlite3'
import type { WebhookCursors } from './webhook-cursors.js'

export function createSqliteWebhookCursors(db: Database.Database): WebhookCursors {
  const insert = db.prepare<[string, number]>('INSERT INTO webhooks (url, delivered) VALUES (?, ?) ON CONFLICT (url) DO NOTHING')
  const take = db.prepare<{ url: string; owner: string; until: number; now: number }, { delivered: number }>(
    `UPDATE webhooks SET lease_owner = :owner, lease_until = :until
     WHERE url = :url AND (lease_owner IS NULL OR lease_owner = :owner OR lease_until <= :now) RETURNING delivered`,
  )
  const move = db.prepare<[number, string, string]>('UPDATE webhooks SET delivered = ? WHERE url = ? AND lease_owner = ?')
  const free = db.prepare<[string, string]>('UPDATE webhooks SET lease_until = 0 WHERE url = ? AND lease_owner = ?')
  const claim = db.transaction((url: string, owner: string, until: number, start: number) => {
    insert.run(url, start)
    return take.get({ url, owner, until, now: Date.now() }) ?? null
  })
  return {
    async claim(url, owner, until, start) {
      return claim.immediate(url, owner, until, start)
    },
    async advance(url, owner, delivered) {
      return move.run(delivered, url, owner).changes > 0
    },
    async release(url, owner) {
      free.run(url, owner)
    },
  }
}
