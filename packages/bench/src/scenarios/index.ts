/** Every scenario, in report order. */
import type { Scenario } from '../scenario.js'
import { fanOut } from './fan-out.js'

export const SCENARIOS: readonly Scenario<any>[] = [fanOut]

export function scenario(id: string): Scenario<any> {
  const found = SCENARIOS.find((candidate) => candidate.id === id)
  if (!found) throw new RangeError(`Unknown scenario ${JSON.stringify(id)}; known: ${SCENARIOS.map((s) => s.id).join(', ')}`)
  return found
}
