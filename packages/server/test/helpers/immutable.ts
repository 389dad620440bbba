/**
 * A real storage failure on demand: the immutable attribute (`chattr +i`) on an SQLite database
 * and its WAL. Tests run as root, so `chmod a-w` would not stop a write; this does (SQLite gets
 * SQLITE_IOERR_WRITE), and is lifted after the test whatever happens.
 */
import { execFileSync } from 'node:child_process'
import type { Scope } from './scope.js'

/** Make the database at `path` refuse writes; returns the way back (also run after the test). */
export function makeImmutable(scope: Scope, path: string): () => void {
  const files = [path, `${path}-wal`]
  execFileSync('chattr', ['+i', ...files])
  let restored = false
  const restore = () => {
    if (restored) return
    restored = true
    execFileSync('chattr', ['-i', ...files])
  }
  scope.defer(restore)
  return restore
}
