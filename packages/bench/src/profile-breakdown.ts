/**
 * Where a server's time goes, by kind of work. Each sample of a CPU profile goes to one category
 * by the frames on its stack: walking from the leaf towards the root, the first frame a category
 * claims decides. So a socket write made while an update is applied counts as a write, and what
 * the apply does itself as apply. A frame no category claims (the server's glue, Node's event
 * loop, yjs internals) passes the sample on to its caller; a sample nothing claims is "other".
 *
 * Frames are claimed by file: the server's by their path under its `dist/` (function names
 * there change), dependencies by package. yjs is one bundled file, so its frames are claimed by
 * the names of its public entry points (stable API); its internals count for the entry point
 * below them (decodeUpdate's reading is decoding, applyUpdate's is applying). The server's
 * `sync/connection.js` holds both `send` and the handlers of its socket's events (the receive
 * handler above all, which everything a received message causes runs under): it counts as
 * sending unless it was entered from an event emitter. Node's module loading is a category of
 * its own (start-up, and lazily loaded built-ins), so that it does not count for whatever
 * `import`ed the module.
 */
import { frameLabel, stackOf, type CallFrame, type IndexedProfile } from './cpu-profile.js'

export interface Category {
  name: string
  /** Whether this category claims `frame`, whose callers are `callers` (nearest first). */
  claims(frame: CallFrame, callers: readonly CallFrame[]): boolean
}

type Claim = Category['claims']

const YJS = /\/yjs\/dist\//

const byFile =
  (...patterns: RegExp[]): Claim =>
  (frame) =>
    patterns.some((pattern) => pattern.test(frame.url))

const anyOf =
  (...claims: Claim[]): Claim =>
  (frame, callers) =>
    claims.some((claim) => claim(frame, callers))

const byYjsEntryPoint = (...names: string[]): Claim => {
  const set = new Set(names)
  return (frame) => YJS.test(frame.url) && set.has(frame.functionName)
}

const byV8Node =
  (name: string): Claim =>
  (frame) =>
    frame.url === '' && frame.functionName === name

const CONNECTION = /\/server\/dist\/sync\/connection\.js$/

/** connection.js, unless what entered it was an event emitter (its socket's `message`, `close`, `pong`). */
const connectionSend: Claim = (frame, callers) =>
  CONNECTION.test(frame.url) && callers.find((caller) => !CONNECTION.test(caller.url))?.url !== 'node:events'

/** The categories, in report order; no frame is claimed by two of them. */
export const CATEGORIES: readonly Category[] = [
  {
    name: 'framing and socket writes',
    claims: anyOf(byFile(/^node:net$/, /^node:_http_outgoing$/, /\/ws\/lib\/sender\.js$/, /\/server\/dist\/sync\/shared-frame\.js$/), connectionSend),
  },
  { name: 'SQLite', claims: byFile(/\/better-sqlite3\//, /\/server\/dist\/storage\/sqlite[^/]*\.js$/) },
  { name: 'apply (yjs)', claims: byYjsEntryPoint('applyUpdate', 'applyUpdateV2', 'transact') },
  { name: 'decode/validate', claims: anyOf(byFile(/\/server\/dist\/sync\/messages\.js$/), byYjsEntryPoint('decodeUpdate', 'decodeUpdateV2', 'decodeStateVector')) },
  { name: 'merge', claims: byFile(/\/server\/dist\/rooms\/merge-updates\.js$/) },
  { name: 'activity', claims: byFile(/\/server\/dist\/activity\//, /\/server\/dist\/stream\/activity-hub\.js$/, /\/server\/dist\/http\/sse\.js$/) },
  { name: 'metrics', claims: byFile(/\/prom-client\//, /\/server\/dist\/metrics\.js$/) },
  { name: 'receive (ws frames)', claims: byFile(/\/ws\/lib\/receiver\.js$/) },
  { name: 'loading modules', claims: byFile(/^node:internal\/modules\//, /^node:internal\/bootstrap\//) },
  { name: 'GC', claims: byV8Node('(garbage collector)') },
  { name: 'idle', claims: byV8Node('(idle)') },
]

export const OTHER = 'other'
export const IDLE = 'idle'

/** The category of a sample whose stack is `frames`, leaf first. */
export function categorize(frames: readonly CallFrame[]): string {
  for (let at = 0; at < frames.length; at++) {
    const callers = frames.slice(at + 1)
    const category = CATEGORIES.find((candidate) => candidate.claims(frames[at]!, callers))
    if (category) return category.name
  }
  return OTHER
}

export interface Breakdown {
  /** µs per category, every category present (0 when none), `other` last. */
  us: Map<string, number>
  /** Per leaf frame (`frameLabel`) of the samples that went to `other`: their µs. */
  otherLeaves: Map<string, number>
}

/** Each sample's time, in its category. */
export function breakdown(indexed: IndexedProfile): Breakdown {
  const us = new Map<string, number>([...CATEGORIES.map((category) => [category.name, 0] as const), [OTHER, 0]])
  const otherLeaves = new Map<string, number>()
  for (const [leaf, time] of indexed.selfUs) {
    const frames = [...stackOf(indexed, leaf)].map((node) => node.callFrame)
    const category = categorize(frames)
    us.set(category, us.get(category)! + time)
    if (category === OTHER) {
      const name = frameLabel(frames[0]!)
      otherLeaves.set(name, (otherLeaves.get(name) ?? 0) + time)
    }
  }
  return { us, otherLeaves }
}
