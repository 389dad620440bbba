/**
 * Where each webhook URL's delivery stands, kept in the store beside the activity log it reads:
 * the id of the last event delivered, and a lease naming the instance that delivers for that URL
 * (so several instances sharing a store do not all send every event). The activity log itself is
 * the durable outbox: what is after a URL's cursor is pending, in id order, across restarts.
 */
export interface WebhookCursors {
  /**
   * Take or renew the lease on `url` for `owner` until `until` (ms) if it is free, expired or
   * already `owner`'s, and answer the last delivered id; null while another instance holds it.
   * A URL seen for the first time starts at `start` (the newest event then: webhooks get what
   * happens from the moment they are configured).
   */
  claim(url: string, owner: string, until: number, start: number): Promise<{ delivered: number } | null>
  /** Move `url`'s cursor to `delivered`, if `owner` still holds the lease; false if it does not. */
  advance(url: string, owner: string, delivered: number): Promise<boolean>
  /** Let the lease go (shutdown), so another instance may take over at once. */
  release(url: string, owner: string): Promise<void>
}

/** The rows, for the SQL stores. */
export const WEBHOOKS_TABLE = 'webhooks (url TEXT PRIMARY KEY, delivered INTEGER NOT NULL, lease_owner TEXT, lease_until INTEGER NOT NULL DEFAULT 0)'

/** The memory store's cursors. */
export function createMemoryWebhookCursors(): WebhookCursors {
  const rows = new Map<string, { delivered: number; owner: string | null; until: number }>()
  return {
    async claim(url, owner, until, start) {
      const row = rows.get(url) ?? { delivered: start, owner: null, until: 0 }
      if (row.owner !== null && row.owner !== owner && row.until > Date.now()) return null
      rows.set(url, { ...row, owner, until })
      return { delivered: row.delivered }
    },
    async advance(url, owner, delivered) {
      const row = rows.get(url)
      if (row?.owner !== owner) return false
      row.delivered = delivered
      return true
    },
    async release(url, owner) {
      const row = rows.get(url)
      if (row?.owner === owner) row.until = 0
    },
  }
}
