/**
 * A V8 CPU profile as `node --cpu-prof` writes it (a `.cpuprofile` file), indexed for the
 * summaries: each node by id with its parent, and the time each node was the sample's leaf.
 * What the summaries make of it is theirs (profile-summary.ts, profile-breakdown.ts).
 */
import { readFileSync } from 'node:fs'

export interface CallFrame {
  functionName: string
  /** `node:net`, `file:///…/x.js`; empty for native code and V8's own nodes (`(garbage collector)`). */
  url: string
  lineNumber: number
}

export interface ProfileNode {
  id: number
  callFrame: CallFrame
  children?: number[]
}

export interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
  startTime: number
  endTime: number
}

export interface IndexedProfile {
  byId: Map<number, ProfileNode>
  parent: Map<number, number>
  /** Per leaf node id: the µs of the samples taken there. */
  selfUs: Map<number, number>
  wallUs: number
}

export function readProfile(file: string): Profile {
  return JSON.parse(readFileSync(file, 'utf8')) as Profile
}

export function indexProfile(profile: Profile): IndexedProfile {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const parent = new Map<number, number>()
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id)
  const selfUs = new Map<number, number>()
  profile.samples.forEach((id, index) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0)))
  return { byId, parent, selfUs, wallUs: profile.endTime - profile.startTime }
}

/** `function path:line`, with the path short (from `packages/` or the package's name). */
export function frameLabel({ functionName, url, lineNumber }: CallFrame): string {
  const short = url.replace(/^file:\/\//, '').replace(/.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '').replace(/.*\/packages\//, 'packages/')
  return `${functionName || '(anonymous)'} ${short ? `${short}:${lineNumber + 1}` : ''}`.trim()
}

/** The nodes from `leaf` up to the root, leaf first. */
export function* stackOf(indexed: IndexedProfile, leaf: number): Generator<ProfileNode> {
  for (let at: number | undefined = leaf; at !== undefined; at = indexed.parent.get(at)) yield indexed.byId.get(at)!
}
