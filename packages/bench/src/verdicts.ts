/**
 * Issue #17's targets as data, and their verdicts from one run's medians. Each target is a ratio
 * of one scenario's metric between two of its targets (Cowrite against a peer or a floor) and a
 * limit. Rendering the verdicts is the report's business.
 */
import type { Metrics } from './scenario.js'

export interface TargetDefinition {
  /** What is compared, for the verdict's row. */
  label: string
  scenario: string
  /** A key of the scenario's metrics. */
  metric: string
  /** Target ids: the ratio is numerator's median ÷ denominator's median. */
  numerator: string
  denominator: string
  limit: number
  /** `lower`: met when the ratio is at most the limit; `higher`: at least. */
  better: 'lower' | 'higher'
}

/** A fan-out scenario's three targets: Cowrite (SQLite) ÷ the y-websocket server. */
function fanOutTargets(scenario: string, shape: string): TargetDefinition[] {
  const against = { scenario, numerator: 'cowrite-sqlite', denominator: 'y-websocket', better: 'lower' } as const
  return [
    // Per insert sent: the load generator does not always keep both servers at the same rate.
    { ...against, label: `Fan-out, ${shape}: server CPU per insert (measured window)`, metric: 'cpuUsPerInsert', limit: 1.0 },
    { ...against, label: `Fan-out, ${shape}: p50 latency`, metric: 'p50', limit: 1.1 },
    { ...against, label: `Fan-out, ${shape}: p99 latency`, metric: 'p99', limit: 1.0 },
  ]
}

export const ISSUE_17_TARGETS: readonly TargetDefinition[] = [
  ...fanOutTargets('fan-out', '50 clients, 5 typists'),
  ...fanOutTargets('fan-out-30', '30 clients, 3 typists'),
  { label: 'SSE, 5,000 subscribers: p99 latency', scenario: 'sse', metric: '5k.p99', numerator: 'cowrite-sqlite', denominator: 'sse-floor', limit: 1.3, better: 'lower' },
  { label: 'SSE, 5,000 subscribers: RSS per subscriber', scenario: 'sse', metric: '5k.kbPerSub', numerator: 'cowrite-sqlite', denominator: 'sse-floor', limit: 1.0, better: 'lower' },
  { label: 'Idle connections, 10,000: RSS per connection', scenario: 'scale', metric: '10k.kbPerConn', numerator: 'cowrite-sqlite', denominator: 'y-websocket', limit: 1.0, better: 'lower' },
]

/** What a run measured of one scenario: medians per target id. */
export interface MeasuredScenario {
  scenario: { id: string }
  medians: ReadonlyMap<string, Metrics>
}

/** Either both figures and the ratio with its verdict, or `measured: false` (scenario or target not run, or failed). */
export type Verdict = { definition: TargetDefinition } & (
  | { measured: true; numerator: number; denominator: number; ratio: number; met: boolean }
  | { measured: false }
)

export function judge(results: readonly MeasuredScenario[], definitions: readonly TargetDefinition[] = ISSUE_17_TARGETS): Verdict[] {
  return definitions.map((definition) => {
    const medians = results.find((result) => result.scenario.id === definition.scenario)?.medians
    const numerator = medians?.get(definition.numerator)?.[definition.metric]
    const denominator = medians?.get(definition.denominator)?.[definition.metric]
    if (!isFigure(numerator) || !isFigure(denominator) || denominator === 0) return { definition, measured: false }
    const ratio = numerator / denominator
    const met = definition.better === 'lower' ? ratio <= definition.limit : ratio >= definition.limit
    return { definition, measured: true, numerator, denominator, ratio, met }
  })
}

function isFigure(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value)
}
