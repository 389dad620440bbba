/**
 * `node packages/bench/dist/perf-breakdown.js SCRIPT.txt --pid PID [--updates N]`: where a server's
 * CPU goes, by kind of work, from Linux perf rather than V8's profiler, so that the kernel's share
 * of a syscall and every thread of the process count (V8's compiler threads, the compaction
 * worker, GC helpers), not only the main thread's JavaScript.
 *
 * SCRIPT.txt is `perf script` output of `perf record -F 1999 -g -p PID` taken while the server
 * ran with `--perf-basic-prof-only-functions` (`pnpm bench --server-node-flags=…`), so JIT frames
 * read `JS:*name file:///…:line:col`. Main-thread samples are categorized by the same rules as a
 * V8 profile (profile-breakdown.ts); other threads' by what they run. With `--updates N` (the
 * inserts the window saw), each category is also given in µs per update.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import type { CallFrame } from './cpu-profile.js'
import { CATEGORIES, categorize, OTHER } from './profile-breakdown.js'

const JIT = "V8's optimizing compiler (its threads)"
const WORKER = 'compaction (worker thread)'
const HELPERS = 'GC and other helper threads'
const EVENT_LOOP = 'event loop (libuv, epoll: no JavaScript on the stack)'

/** One sample: the thread and the stack, leaf first. */
interface Sample {
  tid: number
  frames: CallFrame[]
}

/** `perf script`'s text: samples separated by blank lines, a header line, then one frame per line. */
export function parsePerfScript(text: string): Sample[] {
  const samples: Sample[] = []
  for (const block of text.split(/\n\s*\n/)) {
    const lines = block.split('\n').filter((line) => line.trim() !== '')
    const header = lines[0]
    if (!header || !/cpu-clock|cycles/.test(header)) continue
    const tid = Number(/^\s*\S+\s+(\d+)/.exec(header)?.[1])
    samples.push({ tid, frames: lines.slice(1).map(frameOf) })
  }
  return samples
}

/** A perf frame line (`addr symbol+off (dso)`) as a profile's call frame. */
function frameOf(line: string): CallFrame {
  const symbol = line.trim().replace(/^[0-9a-f]+\s+/, '').replace(/\s+\([^()]*\)$/, '').replace(/\+0x[0-9a-f]+$/, '')
  const js = /^JS:[*~^]?(\S*)\s+(\S+?)(?::(\d+):\d+)?$/.exec(symbol)
  if (js) return { functionName: js[1]!, url: js[2]!, lineNumber: Number(js[3] ?? 1) - 1 }
  // V8's collector runs as native code here; the profile rules know it by V8's own node name.
  if (/v8::internal::(Heap|Scavenger|MarkCompact|Sweeper|ConcurrentMarking|MinorMarkCompact)/.test(symbol)) {
    return { functionName: '(garbage collector)', url: '', lineNumber: -1 }
  }
  return { functionName: symbol, url: '', lineNumber: -1 }
}

/** The category of a sample of thread `tid` of process `pid`. */
export function categorizeSample(sample: Sample, pid: number): string {
  if (sample.tid === pid) {
    const category = categorize(sample.frames)
    return category === OTHER && sample.frames.every((frame) => frame.url === '') ? EVENT_LOOP : category
  }
  if (sample.frames.some((frame) => frame.url.includes('/storage/compact'))) return WORKER
  if (sample.frames.some((frame) => /v8::internal::(compiler|maglev)::|OptimizedCompilationJob|Pipeline/.test(frame.functionName))) return JIT
  return HELPERS
}

const isMain = import.meta.url === `file://${process.argv[1]}`
if (isMain) {
  const { positionals, values } = parseArgs({ allowPositionals: true, options: { pid: { type: 'string' }, updates: { type: 'string' }, hz: { type: 'string', default: '1999' } } })
  const pid = Number(values.pid)
  const updates = values.updates === undefined ? undefined : Number(values.updates)
  const hz = Number(values.hz)
  if (!(pid > 0) || positionals.length !== 1) throw new RangeError('usage: perf-breakdown.js SCRIPT.txt --pid PID [--updates N] [--hz 1999]')
  const samples = parsePerfScript(readFileSync(positionals[0]!, 'utf8'))
  const counts = new Map<string, number>([...CATEGORIES.map((category) => [category.name, 0] as const), [EVENT_LOOP, 0], [OTHER, 0], [JIT, 0], [WORKER, 0], [HELPERS, 0]])
  /** What "other" is: the nearest JavaScript frame of each of its samples (or the root's native one). */
  const others = new Map<string, number>()
  for (const sample of samples) {
    const category = categorizeSample(sample, pid)
    counts.set(category, (counts.get(category) ?? 0) + 1)
    if (category !== OTHER) continue
    const nearest = sample.frames.find((frame) => frame.url !== '') ?? sample.frames.at(-1)
    const name = nearest ? `${nearest.functionName} ${nearest.url.replace(/^file:\/\/.*?\/(packages|node_modules)\//, '$1/')}`.trim() : '?'
    others.set(name, (others.get(name) ?? 0) + 1)
  }
  const total = samples.length
  const ms = (count: number) => (count * 1000) / hz
  process.stdout.write(`${positionals[0]}: ${total} samples, ${ms(total).toFixed(0)} ms of CPU\n`)
  for (const [name, count] of counts) {
    if (count === 0) continue
    const perUpdate = updates ? `  ${((ms(count) * 1000) / updates).toFixed(1).padStart(7)} µs/update` : ''
    process.stdout.write(`  ${ms(count).toFixed(0).padStart(7)} ms ${((100 * count) / total).toFixed(1).padStart(5)}%${perUpdate}  ${name}\n`)
  }
  process.stdout.write('  "other", by nearest JavaScript frame:\n')
  for (const [name, count] of [...others].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    process.stdout.write(`  ${ms(count).toFixed(0).padStart(7)} ms  ${name}\n`)
  }
}
