/**
 * The profile breakdown puts a sample in the category of the first claimed frame from its leaf
 * up: a write made while applying an update is a write, yjs internals count for the entry point
 * below them, unclaimed glue passes the sample on to its caller, the connection's receive handler
 * is not a send, and a sample nobody claims is "other".
 */
import { describe, expect, it } from 'vitest'
import type { CallFrame } from '../src/cpu-profile.js'
import { categorize } from '../src/profile-breakdown.js'

const server = (path: string, functionName = 'f'): CallFrame => ({ functionName, url: `file:///srv/packages/server/dist/${path}`, lineNumber: 1 })
const pkg = (path: string, functionName = 'f'): CallFrame => ({ functionName, url: `file:///srv/node_modules/.pnpm/x@1/node_modules/${path}`, lineNumber: 1 })
const node = (url: string, functionName = 'f'): CallFrame => ({ functionName, url, lineNumber: 1 })
const native = (functionName: string): CallFrame => ({ functionName, url: '', lineNumber: -1 })
const yjs = (functionName: string) => pkg('yjs/dist/yjs.mjs', functionName)

const received = [pkg('ws/lib/receiver.js'), node('node:internal/stream_base_commons', 'onStreamRead'), native('(root)')]
const handled = [server('sync/connection.js', 'anonymous'), node('node:events', 'emit'), ...received]
const applied = [yjs('readUpdateV2'), yjs('applyUpdateV2'), yjs('applyUpdate'), server('rooms/room.js'), ...handled]

describe('categorize', () => {
  it.each<[string, CallFrame[], string]>([
    ['the write syscall of a broadcast made while applying', [native('writeBuffer'), node('node:internal/stream_base_commons'), node('node:net'), pkg('ws/lib/sender.js'), server('sync/shared-frame.js'), server('rooms/room.js'), yjs('transact'), ...applied], 'framing and socket writes'],
    ["the connection's send, called by the room", [server('sync/connection.js', 'send'), server('rooms/room.js'), yjs('transact'), ...applied], 'framing and socket writes'],
    ["the connection's receive handler itself", handled, 'receive (ws frames)'],
    ['a method the receive handler calls in its own file', [server('sync/connection.js', 'admit'), ...handled], 'receive (ws frames)'],
    ['yjs internals under applyUpdate', [pkg('lib0/decoding.js'), ...applied], 'apply (yjs)'],
    ['yjs internals under decodeUpdate, under decodeMessage', [yjs('readClientsStructRefs'), yjs('decodeUpdateV2'), yjs('decodeUpdate'), server('sync/messages.js'), ...handled], 'decode/validate'],
    ['a native SQLite call from the store', [native('run'), server('storage/sqlite-history.js'), server('rooms/commit-queue.js'), node('node:internal/timers')], 'SQLite'],
    ['better-sqlite3 itself', [pkg('better-sqlite3/lib/methods/transaction.js'), server('storage/sqlite.js')], 'SQLite'],
    ["yjs's mergeUpdates under the server's merge", [yjs('mergeUpdatesV2'), yjs('mergeUpdates'), server('rooms/merge-updates.js'), server('rooms/commit-queue.js')], 'merge'],
    ['the activity hub', [server('stream/activity-hub.js'), server('server.js')], 'activity'],
    ['prom-client under a commit', [pkg('prom-client/lib/histogram.js'), server('metrics.js'), server('rooms/commit-queue.js')], 'metrics'],
    ['a module loaded by prom-client', [native('readFileUtf8'), node('node:internal/modules/cjs/loader'), pkg('prom-client/index.js')], 'loading modules'],
    ['the garbage collector', [native('(garbage collector)'), native('(root)')], 'GC'],
    ['idle', [native('(idle)'), native('(root)')], 'idle'],
    ['unclaimed glue from a timer', [server('rooms/room.js'), node('node:internal/timers'), native('(root)')], 'other'],
    ['(program)', [native('(program)'), native('(root)')], 'other'],
  ])('%s', (_, stack, category) => {
    expect(categorize(stack)).toBe(category)
  })
})
