/**
 * The PostgreSQL store's webhook cursors (storage/webhook-cursors.ts), table `cowrite.webhooks`.
 * The lease is what lets one instance of several deliver a URL's events: a conditional UPDATE
 * takes it under the row's lock.
 */
import type { Pool } from 'pg'
import type { WebhookCursors } from './webhook-cursors.js'

export function createPostgresWebhookCursors(pool: Pool): WebhookCursors {
  return {
    async claim(url, owner, until, start) {
      const { rows } = await pool.query<{ delivered: string }>(
        `WITH seeded AS (INSERT INTO cowrite.webhooks (url, delivered) VALUES ($1, $4) ON CONFLICT (url) DO NOTHING)
         UPDATE cowrite.webhooks SET lease_owner = $2, lease_until = $3
         WHERE url = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until <= $5) RETURNING delivered`,
        [url, owner, until, start, Date.now()],
      )
      if (rows[0]) return { delivered: Number(rows[0].delivered) }
      // The row was inserted by this very statement (invisible to its UPDATE): claim again.
      const again = await pool.query<{ delivered: string }>(
        `UPDATE cowrite.webhooks SET lease_owner = $2, lease_until = $3
         WHERE url = $1 AND (lease_owner IS NULL OR lease_owner = $2 OR lease_until <= $4) RETURNING delivered`,
        [url, owner, until, Date.now()],
      )
      return again.rows[0] ? { delivered: Number(again.rows[0].delivered) } : null
    },
    async advance(url, owner, delivered) {
      const { rowCount } = await pool.query('UPDATE cowrite.webhooks SET delivered = $3 WHERE url = $1 AND lease_owner = $2', [url, owner, delivered])
      return (rowCount ?? 0) > 0
    },
    async release(url, owner) {
      await pool.query('UPDATE cowrite.webhooks SET lease_until = 0 WHERE url = $1 AND lease_owner = $2', [url, owner])
    },
  }
}
