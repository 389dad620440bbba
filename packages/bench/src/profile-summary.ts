/**
 * `node packages/bench/dist/profile-summary.js FILE.cpuprofile [--top N]`: the hot spots of a V8
 * CPU profile (as written by `node --cpu-prof`): self time per function, and total (inclusive)
 * time per function, with file and line, idle and GC shown separately.
 */
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'

interface ProfileNode {
  id: number
  callFrame: { functionName: string; url: string; lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

const { positionals, values } = parseArgs({ allowPositionals: true, options: { top: { type: 'string', default: '25' } } })
const top = Number(values.top)
for (const file of positionals) summarize(file, JSON.parse(readFileSync(file, 'utf8')) as Profile)

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  const short = url.replace(/^file:\/\//, '').replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/.*\/packages\//, 'packages/')
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim()
}

function summarize(file: string, profile: Profile): void {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))
  const totalUs = profile.endTime - profile.startTime
  const self = new Map<string, number>()
  const inclusive = new Map<string, number>()
  let idle = 0
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!
    const name = label(node)
    if (node.callFrame.functionName === '(idle)') idle += us
    self.set(name, (self.get(name) ?? 0) + us)
    // Inclusive: count each distinct function once per sample's stack.
    const seen = new Set<string>()
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = label(byId.get(at)!)
      if (seen.has(frame)) continue
      seen.add(frame)
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + us)
    }
  }
  const busy = totalUs - idle
  const ms = (us: number) => (us / 1000).toFixed(0).padStart(7)
  const pct = (us: number) => `${((100 * us) / busy).toFixed(1).padStart(5)}%`
  process.stdout.write(`\n${file}\n  wall ${ms(totalUs)} ms, busy (not idle) ${ms(busy)} ms\n\n  self time (share of busy):\n`)
  for (const [name, us] of [...self].filter(([name]) => !name.startsWith('(idle)')).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${ms(us)} ms ${pct(us)}  ${name}\n`)
  }
  process.stdout.write('\n  total time, including callees (share of busy):\n')
  for (const [name, us] of [...inclusive].filter(([name]) => !/^\((root|idle|program)\)/.test(name)).sort((a, b) => b[1] - a[1]).slice(0, top)) {
    process.stdout.write(`  ${ms(us)} ms ${pct(us)}  ${name}\n`)
  }
}
