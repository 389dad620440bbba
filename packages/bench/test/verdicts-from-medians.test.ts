/**
 * Issue #17's verdicts come from a run's medians: the numerator's figure ÷ the denominator's
 * against the limit, met at the limit itself; "not measured" when the scenario, either target or
 * the metric is missing from the run (--only, --targets, --quick's smaller steps, a failed target).
 * Every target of the issue names a metric its scenario reports and targets it runs.
 */
import { describe, expect, it } from 'vitest'
import type { Metrics } from '../src/scenario.js'
import { scenario } from '../src/scenarios/index.js'
import { ISSUE_17_TARGETS, judge, type MeasuredScenario, type TargetDefinition } from '../src/verdicts.js'

const cpu: TargetDefinition = { label: 'CPU', scenario: 'fan-out', metric: 'cpuPercent', numerator: 'cowrite-sqlite', denominator: 'y-websocket', limit: 1.1, better: 'lower' }
const rate: TargetDefinition = { ...cpu, label: 'rate', metric: 'deliveriesPerSec', limit: 1.0, better: 'higher' }

function run(medians: Record<string, Metrics>, scenario = 'fan-out'): MeasuredScenario[] {
  return [{ scenario: { id: scenario }, medians: new Map(Object.entries(medians)) }]
}

describe('judge', () => {
  it.each<[string, TargetDefinition, Record<string, Metrics>, boolean]>([
    ['under the limit', cpu, { 'cowrite-sqlite': { cpuPercent: 20 }, 'y-websocket': { cpuPercent: 20 } }, true],
    ['at the limit', cpu, { 'cowrite-sqlite': { cpuPercent: 22 }, 'y-websocket': { cpuPercent: 20 } }, true],
    ['over the limit', cpu, { 'cowrite-sqlite': { cpuPercent: 23 }, 'y-websocket': { cpuPercent: 20 } }, false],
    ['higher is better, above', rate, { 'cowrite-sqlite': { deliveriesPerSec: 12_000 }, 'y-websocket': { deliveriesPerSec: 11_000 } }, true],
    ['higher is better, below', rate, { 'cowrite-sqlite': { deliveriesPerSec: 10_000 }, 'y-websocket': { deliveriesPerSec: 11_000 } }, false],
  ])('%s', (_, definition, medians, met) => {
    const [verdict] = judge(run(medians), [definition])
    expect(verdict).toMatchObject({ measured: true, met, ratio: medians['cowrite-sqlite']![definition.metric]! / medians['y-websocket']![definition.metric]! })
  })

  it.each<[string, MeasuredScenario[]]>([
    ['the scenario did not run', run({ 'cowrite-sqlite': { cpuPercent: 20 }, 'y-websocket': { cpuPercent: 20 } }, 'sse')],
    ['the denominator did not run', run({ 'cowrite-sqlite': { cpuPercent: 20 } })],
    ['the numerator failed (NaN median)', run({ 'cowrite-sqlite': { cpuPercent: Number.NaN }, 'y-websocket': { cpuPercent: 20 } })],
    ['the metric is not in the run', run({ 'cowrite-sqlite': { p50: 2 }, 'y-websocket': { p50: 2 } })],
    ['the denominator is zero', run({ 'cowrite-sqlite': { cpuPercent: 20 }, 'y-websocket': { cpuPercent: 0 } })],
  ])('not measured when %s', (_, results) => {
    expect(judge(results, [cpu])).toEqual([{ definition: cpu, measured: false }])
  })

  it.each(ISSUE_17_TARGETS.map((definition) => [definition.label, definition] as const))('%s names a metric and targets its scenario has', (_, definition) => {
    const chosen = scenario(definition.scenario)
    expect(chosen.targets).toEqual(expect.arrayContaining([definition.numerator, definition.denominator]))
    expect(chosen.columns(chosen.params(false)).map((column) => column.key)).toContain(definition.metric)
  })
})
