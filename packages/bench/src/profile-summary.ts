/**
 * `node packages/bench/dist/profile-summary.js [--top N] [--breakdown [--updates N]] FILE.cpuprofile…`:
 * a summary of each V8 CPU profile given (as `node --cpu-prof` writes them: the server's main
 * thread and, in its own file, each worker such as the compaction worker's). By default the hot
 * spots: self time per function and total (inclusive) time per function, with file and line, idle
 * shown apart. With `--breakdown`, the time per kind of work (profile-breakdown.ts) and the
 * leaves of what no category claimed; `--updates N` adds µs per update (N: the updates the
 * server applied while profiled, e.g. its `cowrite_updates_total`).
 */
import { parseArgs } from 'node:util'
import { frameLabel, indexProfile, readProfile, stackOf, type IndexedProfile } from './cpu-profile.js'
import { breakdown, IDLE } from './profile-breakdown.js'

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, breakdown: { type: 'boolean', default: false }, updates: { type: 'string' } },
})
const top = Number(values.top)
const updates = values.updates === undefined ? undefined : Number(values.updates)
if (updates !== undefined && !(updates > 0)) throw new RangeError(`--updates must be a positive number, got ${values.updates}`)
if (updates !== undefined && !values.breakdown) throw new RangeError('--updates goes with --breakdown')
for (const file of positionals) {
  const indexed = indexProfile(readProfile(file))
  if (values.breakdown) printBreakdown(file, indexed)
  else printHotSpots(file, indexed)
}

function ms(us: number): string {
  return (us / 1000).toFixed(0).padStart(7)
}

function percentOf(busyUs: number): (us: number) => string {
  return (us) => `${((100 * us) / busyUs).toFixed(1).padStart(5)}%`
}

function printBreakdown(file: string, indexed: IndexedProfile): void {
  const { us, otherLeaves } = breakdown(indexed)
  const busy = indexed.wallUs - us.get(IDLE)!
  const pct = percentOf(busy)
  const perUpdate = (time: number) => (updates === undefined ? '' : ` ${(time / updates).toFixed(1).padStart(9)} µs/update`)
  process.stdout.write(`\n${file}\n  wall ${ms(indexed.wallUs)} ms, busy (not idle) ${ms(busy)} ms${updates === undefined ? '' : `, ${updates} updates`}\n\n`)
  const width = Math.max(...[...us.keys()].map((name) => name.length))
  for (const [name, time] of us) {
    if (name === IDLE) continue
    process.stdout.write(`  ${name.padEnd(width)} ${ms(time)} ms ${pct(time)}${perUpdate(time)}\n`)
  }
  process.stdout.write(`  ${IDLE.padEnd(width)} ${ms(us.get(IDLE)!)} ms (not busy)\n\n  other, by leaf (share of busy):\n`)
  for (const [name, time] of [...otherLeaves].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${ms(time)} ms ${pct(time)}  ${name}\n`)
  }
}

function printHotSpots(file: string, indexed: IndexedProfile): void {
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let idle = 0
  for (const [id, us] of indexed.selfUs) {
    const node = indexed.byId.get(id)!
    const name = frameLabel(node.callFrame)
    if (node.callFrame.functionName === '(idle)') idle += us
    self.set(name, (self.get(name) ?? 0) + us)
    // Inclusive: count each distinct function once per sample's stack.
    const seen = new Set<string>()
    for (const frame of stackOf(indexed, id)) {
      const label = frameLabel(frame.callFrame)
      if (seen.has(label)) continue
      seen.add(label)
      inclusive.set(label, (inclusive.get(label) ?? 0) + us)
    }
  }
  const busy = indexed.wallUs - idle
  const pct = percentOf(busy)
  process.stdout.write(`\n${file}\n  wall ${ms(indexed.wallUs)} ms, busy (not idle) ${ms(busy)} ms\n\n  self time (share of busy):\n`)
  for (const [name, us] of [...self].filter(([name]) => !name.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${ms(us)} ms ${pct(us)}  ${name}\n`)
  }
  process.stdout.write('\n  total time, including callees (share of busy):\n')
  for (const [name, us] of [...inclusive].filter(([name]) => !/^\((root|idle|program)\)/.test(name)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${ms(us)} ms ${pct(us)}  ${name}\n`)
  }
}
