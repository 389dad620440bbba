/**
 * The PostgreSQL store's schema, its migration at start, and the plumbing postgres.ts and
 * postgres-activity.ts share: transactions on a pooled connection and the advisory lock keys.
 *
 * Everything lives in the schema `cowrite` of the database the URL names, so the store can share a
 * database with other applications (schema version 2):
 *
 *   cowrite.schema_version(version)                      one row: the version below
 *   cowrite.rooms(name PK, length, title, updated_at, log_count, log_bytes, snapshot_gen,
 *                 history_bytes, checkpoint_bytes)
 *   cowrite.snapshots(room PK, data)                     the compacted state
 *   cowrite.updates(id identity PK, room, data)          appended since the snapshot
 *   cowrite.changes(id identity PK, room, at, author_name, author_color, data)   the history
 *   cowrite.checkpoints(room, upto, data)                state after change `upto`
 *   cowrite.versions(id identity PK, room, upto, at, name, authors jsonb, length)
 *   cowrite.activity(id identity PK, room, data)         the activity log (JSON events)
 *   cowrite.webhooks(url PK, delivered, lease_owner, lease_until)   webhook cursors
 *
 * Several instances may start at once against one database: the migration runs under a
 * session-level advisory lock, so exactly one of them creates or upgrades the schema and the
 * others wait, then find it current. A database whose version is newer than this code (or a
 * `cowrite` schema without a version) is refused with a SchemaError, never guessed at.
 */
import type { Pool, PoolClient } from 'pg'
import type { Logger } from '../log.js'
import { SchemaError } from './storage.js'

/** The schema this code reads and writes. */
export const SCHEMA_VERSION = 2

/**
 * Advisory lock keys, in PostgreSQL's two-key form: the first key is Cowrite's ('cowr' in ASCII),
 * so no other application's single-key locks collide with ours. Locks are per database.
 */
export const LOCK_CLASS = 0x636f7772
/** Held (session level) while the schema is checked and migrated. */
export const LOCK_MIGRATION = 1
/** Held (transaction level) by every activity append, from before its id is drawn until commit. */
export const LOCK_ACTIVITY = 2

/**
 * Migrations: entry `v` takes a database from version `v` to `v + 1`, in one transaction with the
 * version row's update. Version 0 is an empty database.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE SCHEMA cowrite;
  CREATE TABLE cowrite.schema_version (
    singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    version integer NOT NULL
  );
  INSERT INTO cowrite.schema_version (version) VALUES (0);
  CREATE TABLE cowrite.rooms (
    name text PRIMARY KEY,
    length integer NOT NULL,
    updated_at bigint NOT NULL,
    log_count integer NOT NULL DEFAULT 0,
    log_bytes bigint NOT NULL DEFAULT 0,
    snapshot_gen bigint NOT NULL DEFAULT 0
  );
  CREATE TABLE cowrite.snapshots (room text PRIMARY KEY, data bytea NOT NULL);
  -- CACHE 1 (the default, spelled out): a session caching ids would draw them out of commit order.
  CREATE TABLE cowrite.updates (
    id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
    room text NOT NULL,
    data bytea NOT NULL
  );
  CREATE INDEX updates_by_room ON cowrite.updates (room, id);
  CREATE TABLE cowrite.activity (
    id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
    room text NOT NULL,
    data text NOT NULL
  );
  CREATE INDEX activity_by_room ON cowrite.activity (room, id);
  `,
  // 1 → 2: history (postgres-history.ts). It starts with what the store holds: each snapshot is
  // the room's first checkpoint, each log row a change by nobody known at the room's last write.
  `
  ALTER TABLE cowrite.rooms
    ADD COLUMN title text,
    ADD COLUMN history_bytes bigint NOT NULL DEFAULT 0,
    ADD COLUMN checkpoint_bytes bigint NOT NULL DEFAULT 0;
  CREATE TABLE cowrite.changes (
    id bigint GENERATED ALWAYS AS IDENTITY (CACHE 1) PRIMARY KEY,
    room text NOT NULL,
    at bigint NOT NULL,
    author_name text,
    author_color text,
    data bytea NOT NULL
  );
  CREATE INDEX changes_by_room ON cowrite.changes (room, id);
  CREATE INDEX changes_by_room_at ON cowrite.changes (room, at, id);
  CREATE TABLE cowrite.checkpoints (room text NOT NULL, upto bigint NOT NULL, data bytea NOT NULL, PRIMARY KEY (room, upto));
  CREATE TABLE cowrite.versions (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    room text NOT NULL,
    upto bigint NOT NULL,
    at bigint NOT NULL,
    name text,
    authors jsonb NOT NULL,
    length integer NOT NULL
  );
  CREATE INDEX versions_by_room ON cowrite.versions (room, id);
  CREATE UNIQUE INDEX versions_automatic ON cowrite.versions (room, upto) WHERE name IS NULL;
  CREATE TABLE cowrite.webhooks (url text PRIMARY KEY, delivered bigint NOT NULL, lease_owner text, lease_until bigint NOT NULL DEFAULT 0);
  INSERT INTO cowrite.checkpoints (room, upto, data) SELECT room, 0, data FROM cowrite.snapshots;
  INSERT INTO cowrite.changes (room, at, data)
    SELECT updates.room, rooms.updated_at, updates.data
    FROM cowrite.updates JOIN cowrite.rooms ON rooms.name = updates.room ORDER BY updates.id;
  UPDATE cowrite.rooms SET
    history_bytes = (SELECT coalesce(sum(octet_length(data)), 0) FROM cowrite.changes WHERE changes.room = rooms.name),
    checkpoint_bytes = coalesce((SELECT octet_length(data) FROM cowrite.snapshots WHERE snapshots.room = rooms.name), 0);
  `,
]

/**
 * Bring the database to SCHEMA_VERSION, or refuse it. Safe to run from several processes at once:
 * the advisory lock makes them take turns, and each reads the version only while holding it.
 */
export async function migrate(pool: Pool, where: string, log?: Logger): Promise<void> {
  // The connection is discarded afterwards whatever happens: a session lock can then never stay
  // behind on a pooled connection (which would block every other instance's start for good).
  await withClient(pool, { discard: true }, async (client) => {
    await client.query('SELECT pg_advisory_lock($1, $2)', [LOCK_CLASS, LOCK_MIGRATION])
    try {
      for (let version = await readVersion(client, where); version < SCHEMA_VERSION; version++) {
        await client.query('BEGIN')
        try {
          await client.query(MIGRATIONS[version]!)
          await client.query('UPDATE cowrite.schema_version SET version = $1', [version + 1])
          await client.query('COMMIT')
          log?.info({ from: version, to: version + 1 }, 'postgres schema migrated')
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {})
          throw error
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1, $2)', [LOCK_CLASS, LOCK_MIGRATION]).catch(() => {})
    }
  })
}

/** The database's schema version (0 for none yet); throws a SchemaError for one this code must not touch. */
async function readVersion(client: PoolClient, where: string): Promise<number> {
  const { rows } = await client.query<{ has_schema: boolean; has_version: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'cowrite') AS has_schema,
            to_regclass('cowrite.schema_version') IS NOT NULL AS has_version`,
  )
  const { has_schema: hasSchema, has_version: hasVersion } = rows[0]!
  if (!hasSchema) return 0
  if (!hasVersion) {
    throw new SchemaError(`${where} has a schema "cowrite" without a Cowrite schema version; refusing to modify it`)
  }
  const version = (await client.query<{ version: number }>('SELECT version FROM cowrite.schema_version')).rows[0]?.version
  if (version === SCHEMA_VERSION) return version
  if (version === undefined || version > SCHEMA_VERSION || version < 0) {
    throw new SchemaError(
      `${where} has Cowrite schema version ${version ?? '(none)'}, but this server only knows version ${SCHEMA_VERSION}; ` +
        'refusing to use it (run the Cowrite release that wrote it, or point --storage elsewhere)',
    )
  }
  return version
}

/**
 * Run `work` on one pooled connection. A connection that failed meanwhile is destroyed rather than
 * returned to the pool, and its 'error' event is caught: pg emits it on a checked-out client whose
 * server goes away, and an unhandled one would end the process.
 */
export async function withClient<T>(
  pool: Pool,
  options: { discard?: boolean },
  work: (client: PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect()
  let broken: Error | boolean = options.discard ?? false
  const onError = (error: Error) => (broken ||= error)
  client.on('error', onError)
  try {
    return await work(client)
  } catch (error) {
    // An error the server reported for a statement leaves the connection usable; anything else
    // (a lost connection, a fatal server error, our own bug mid-transaction) does not.
    const severity = (error as { severity?: unknown } | null)?.severity
    if (typeof severity !== 'string' || severity === 'FATAL' || severity === 'PANIC') broken ||= true
    throw error
  } finally {
    client.off('error', onError)
    client.release(broken)
  }
}

/**
 * Run `work` in one transaction (READ COMMITTED unless told otherwise): committed if it resolves,
 * rolled back if it throws. Resolves only once the commit is acknowledged.
 */
export function inTransaction<T>(
  pool: Pool,
  work: (client: PoolClient) => Promise<T>,
  mode = 'ISOLATION LEVEL READ COMMITTED',
): Promise<T> {
  return withClient(pool, {}, async (client) => {
    await client.query(`BEGIN ${mode}`)
    let result: T
    try {
      result = await work(client)
    } catch (error) {
      // The connection may be gone (then withClient destroys it); the original error is the news.
      await client.query('ROLLBACK').catch(() => {})
      throw error
    }
    await client.query('COMMIT')
    return result
  })
}

/** `url` with any password replaced, parsable or not (it goes into messages and logs). */
export function redactUrlPassword(url: string): string {
  return url.replace(/(\/\/[^:/@]*:)[^@/]*@/, '$1***@')
}
