/**
 * The SQLite store's schema and its migrations (PRAGMA user_version = 3):
 *
 *   rooms(name PK, length, title, updated_at)            what lists show of a room
 *   snapshots(room PK, upto, data)                       the state after change `upto`: the load path
 *   changes(room, id, at, author_name, author_color, data) PK (room, id), WITHOUT ROWID
 *                                                        every stored change; ids count 1, 2, 3… per room
 *   checkpoints(room, upto, data) PK (room, upto)        states kept for reading the history
 *   versions(id PK AUTOINCREMENT, room, upto, at, name, authors JSON, length)
 *   webhooks(url PK, delivered, lease_owner, lease_until)
 *   activity(id PK AUTOINCREMENT, room, data)
 *
 * Why this shape: a commit writes one row per change into one b-tree, clustered by room, so a
 * keystroke dirties about one page. The log a load replays is the changes after the snapshot's
 * `upto`, not a copy of them, and a change's time only rises with its id within a room, so "the
 * last change at or before T" is a binary search over ids rather than a second index.
 *
 * A new file gets this schema; version 1 and 2 files are migrated in one transaction each; a file
 * of another version, or not Cowrite's, is refused and left exactly as it was.
 */
import type Database from 'better-sqlite3'
import { WEBHOOKS_TABLE } from './webhook-cursors.js'
import { SchemaError } from './storage.js'

/** The schema this code reads and writes. */
export const SCHEMA_VERSION = 3

const TABLES = `
  CREATE TABLE rooms (name TEXT PRIMARY KEY, length INTEGER NOT NULL, title TEXT, updated_at INTEGER NOT NULL);
  CREATE TABLE snapshots (room TEXT PRIMARY KEY, upto INTEGER NOT NULL, data BLOB NOT NULL);
  CREATE TABLE changes (
    room TEXT NOT NULL,
    id INTEGER NOT NULL,
    at INTEGER NOT NULL,
    author_name TEXT,
    author_color TEXT,
    data BLOB NOT NULL,
    PRIMARY KEY (room, id)
  ) WITHOUT ROWID;
  CREATE TABLE checkpoints (room TEXT NOT NULL, upto INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (room, upto));
  CREATE TABLE versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    room TEXT NOT NULL,
    upto INTEGER NOT NULL,
    at INTEGER NOT NULL,
    name TEXT,
    authors TEXT NOT NULL,
    length INTEGER NOT NULL
  );
  CREATE INDEX versions_by_room ON versions (room, id);
  CREATE TABLE activity (id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, data TEXT NOT NULL);
  CREATE INDEX activity_by_room ON activity (room, id);
  CREATE TABLE ${WEBHOOKS_TABLE};
`

/**
 * Bring the file to the current schema: create it in a new file, migrate an older one. Refuses
 * (SchemaError) a file of another version or application before anything writes to it; `prepare`
 * runs once the file is known to be ours (it switches to WAL, which rewrites the header).
 */
export function openSchema(db: Database.Database, path: string, prepare: () => void): void {
  const version = checkSchema(db, path)
  prepare()
  if (version === 0) db.exec(`BEGIN; ${TABLES} PRAGMA user_version = ${SCHEMA_VERSION}; COMMIT;`)
  if (version === 1) migrateFromVersion1(db)
  if (version <= 2 && version > 0) migrateFromVersion2(db)
}

/** The file's schema version (0: a new, empty file); throws a SchemaError for one this code must not touch. Reads only. */
function checkSchema(db: Database.Database, path: string): number {
  const version = db.pragma('user_version', { simple: true }) as number
  if (version >= 1 && version <= SCHEMA_VERSION) return version
  if (version !== 0) {
    throw new SchemaError(
      `${path} has Cowrite schema version ${version}, but this server only knows version ${SCHEMA_VERSION}; ` +
        'refusing to open it (run the Cowrite release that wrote it, or point --data elsewhere)',
    )
  }
  const tables = db.prepare("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get() as { n: number }
  if (tables.n > 0) {
    throw new SchemaError(`${path} is an SQLite database without a Cowrite schema version; refusing to modify it`)
  }
  return 0
}

/**
 * Version 1 had no history: it starts with what the file holds (to version 2's layout, which
 * version 2 then migrates). Each snapshot becomes the room's first checkpoint and each log row a
 * change by nobody known, at the room's last write time.
 */
function migrateFromVersion1(db: Database.Database): void {
  db.exec(`
    BEGIN IMMEDIATE;
    ALTER TABLE rooms ADD COLUMN title TEXT;
    CREATE TABLE changes (
      id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, at INTEGER NOT NULL,
      author_name TEXT, author_color TEXT, data BLOB NOT NULL
    );
    CREATE TABLE checkpoints (room TEXT NOT NULL, upto INTEGER NOT NULL, data BLOB NOT NULL, PRIMARY KEY (room, upto));
    CREATE TABLE versions (
      id INTEGER PRIMARY KEY AUTOINCREMENT, room TEXT NOT NULL, upto INTEGER NOT NULL, at INTEGER NOT NULL,
      name TEXT, authors TEXT NOT NULL, length INTEGER NOT NULL
    );
    CREATE INDEX versions_by_room ON versions (room, id);
    CREATE TABLE ${WEBHOOKS_TABLE};
    INSERT INTO checkpoints (room, upto, data) SELECT room, 0, data FROM snapshots;
    INSERT INTO changes (room, at, data)
      SELECT updates.room, rooms.updated_at, updates.data FROM updates JOIN rooms ON rooms.name = updates.room ORDER BY updates.id;
    PRAGMA user_version = 2;
    COMMIT;
  `)
}

/**
 * Version 2 kept the load path's log as a copy of the changes (table `updates`) and numbered
 * changes across rooms. Changes are renumbered 1, 2, 3… per room (versions and checkpoints
 * follow), their times made to rise with their ids, and each snapshot learns the change it
 * stands after: the room's log rows were, one for one, its last changes, so it is the one before
 * them. Where that does not hold (the bytes differ), the snapshot is placed before every change:
 * a load then replays changes it already holds, which Yjs ignores, and loses nothing.
 */
function migrateFromVersion2(db: Database.Database): void {
  const migrate = db.transaction(() => {
    db.exec(`
      CREATE TEMP TABLE renumbered AS
        SELECT id AS old, room, row_number() OVER (PARTITION BY room ORDER BY id) AS id,
          max(at) OVER (PARTITION BY room ORDER BY id ROWS UNBOUNDED PRECEDING) AS at
        FROM changes;
      CREATE UNIQUE INDEX temp.renumbered_by_old ON renumbered (old);
      CREATE TABLE changes_v3 (
        room TEXT NOT NULL, id INTEGER NOT NULL, at INTEGER NOT NULL,
        author_name TEXT, author_color TEXT, data BLOB NOT NULL,
        PRIMARY KEY (room, id)
      ) WITHOUT ROWID;
      INSERT INTO changes_v3 (room, id, at, author_name, author_color, data)
        SELECT r.room, r.id, r.at, c.author_name, c.author_color, c.data FROM changes c JOIN renumbered r ON r.old = c.id ORDER BY r.room, r.id;
      UPDATE versions SET upto = coalesce((SELECT r.id FROM renumbered r WHERE r.old = versions.upto), 0);
      UPDATE checkpoints SET upto = coalesce((SELECT r.id FROM renumbered r WHERE r.old = checkpoints.upto), 0);
      CREATE TABLE snapshots_v3 (room TEXT PRIMARY KEY, upto INTEGER NOT NULL, data BLOB NOT NULL);
    `)
    const logOf = db.prepare<[string], { data: Buffer }>('SELECT data FROM updates WHERE room = ? ORDER BY id')
    const lastChanges = db.prepare<[string, number], { id: number; data: Buffer }>('SELECT id, data FROM changes_v3 WHERE room = ? ORDER BY id DESC LIMIT ?')
    const lastId = db.prepare<[string], { id: number | null }>('SELECT max(id) AS id FROM changes_v3 WHERE room = ?')
    const insertSnapshot = db.prepare<[string, number, Buffer]>('INSERT INTO snapshots_v3 (room, upto, data) VALUES (?, ?, ?)')
    for (const { room, data } of db.prepare<[], { room: string; data: Buffer }>('SELECT room, data FROM snapshots').all()) {
      const log = logOf.all(room)
      const tail = log.length === 0 ? [] : lastChanges.all(room, log.length).reverse()
      const last = lastId.get(room)!.id ?? 0
      const matches = tail.length === log.length && tail.every((change, i) => change.data.equals(log[i]!.data))
      insertSnapshot.run(room, matches ? last - log.length : 0, data)
    }
    db.exec(`
      DROP TABLE snapshots;
      ALTER TABLE snapshots_v3 RENAME TO snapshots;
      DROP TABLE updates;
      DROP TABLE changes;
      ALTER TABLE changes_v3 RENAME TO changes;
      DROP TABLE temp.renumbered;
      CREATE TABLE rooms_v3 (name TEXT PRIMARY KEY, length INTEGER NOT NULL, title TEXT, updated_at INTEGER NOT NULL);
      INSERT INTO rooms_v3 (name, length, title, updated_at) SELECT name, length, title, updated_at FROM rooms;
      DROP TABLE rooms;
      ALTER TABLE rooms_v3 RENAME TO rooms;
      PRAGMA user_version = ${SCHEMA_VERSION};
    `)
  })
  migrate.immediate()
}
