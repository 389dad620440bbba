/** Every scenario, in report order. */
import type { Scenario } from '../scenario.js'
import { coldSync } from './cold-sync.js'
import { fanOut, fanOut30 } from './fan-out.js'
import { scale } from './scale.js'
import { scaleOut } from './scale-out.js'
import { sse } from './sse.js'
import { throughput, throughput15k } from './throughput.js'

export const SCENARIOS: readonly Scenario<any>[] = [fanOut, fanOut30, throughput, throughput15k, scale, coldSync, sse, scaleOut]

export function scenario(id: string): Scenario<any> {
  const found = SCENARIOS.find((candidate) => candidate.id === id)
  if (!found) throw new RangeError(`Unknown scenario ${JSON.stringify(id)}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`)
  return found
}
