/**
 * `pnpm bench [--quick] [--runs N] [--only a,b] [--targets x,y] [--out FILE] [--profile TARGET] [--server-node-flags="…"]`
 *
 * The runner: for each scenario, for each run, for each target it starts the server in its own
 * process (core 0), starts the load generator in another (core 1), collects the metrics, stops
 * both; then it prints one markdown table per scenario with medians across runs and ratios, the
 * verdicts on issue #17's targets, and writes the report (full runs: docs/benchmarks.md), keeping
 * the hand-written blocks of the file it replaces (kept-blocks.ts). A scenario with an
 * `environment` (scale-out) starts its engines once and its own servers per target; whatever is
 * running is stopped on SIGINT/SIGTERM, and nothing this process started outlives it.
 */
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { keptBlocks, withKeptBlocks } from './kept-blocks.js'
import { childrenOf, describeMachine, loadAverage } from './proc.js'
import { renderReport, renderVerdicts, type ScenarioResult } from './report.js'
import type { Environment, Metrics, RunningTarget, Scenario, ServerHandle } from './scenario.js'
import { SCENARIOS } from './scenarios/index.js'
import { median } from './stats.js'
import { pinned, pinning, startServer, target, TARGETS } from './targets.js'

const here = dirname(fileURLToPath(import.meta.url))
const repoRoot = resolve(here, '..', '..', '..')

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    runs: { type: 'string' },
    only: { type: 'string' },
    targets: { type: 'string' },
    out: { type: 'string' },
    'no-write': { type: 'boolean', default: false },
    profile: { type: 'string' },
    'profile-dir': { type: 'string' },
    'server-node-flags': { type: 'string' },
    help: { type: 'boolean', short: 'h' },
  },
})

if (values.help) {
  process.stdout.write(`Usage: node packages/bench/dist/cli.js [flags]
  --quick            smaller parameters, one run, without Cowrite (memory) and Hocuspocus (a few minutes; for spotting regressions)
  --runs N           runs per figure, medians reported (default 3; --quick: 1)
  --only a,b         scenarios: ${SCENARIOS.map((s) => s.id).join(', ')}
  --targets x,y      targets: ${TARGETS.map((t) => t.id).join(', ')}
  --out FILE         report path (default: docs/benchmarks.md for a full run of everything, none otherwise)
  --no-write         print only
  --profile TARGET   run that target's server under --cpu-prof (profiles in --profile-dir, default ./bench-profiles;
                     summarize them with node packages/bench/dist/profile-summary.js [--breakdown [--updates N]] FILE…)
  --server-node-flags="…"  extra Node flags for every server process, e.g. --server-node-flags=--perf-basic-prof for Linux perf
                     (with the "=": a value starting with a dash is taken for a flag of the bench otherwise)
`)
  process.exit(0)
}

const quick = values.quick
const runs = values.runs ? Number(values.runs) : quick ? 1 : 3
if (!Number.isInteger(runs) || runs < 1) throw new RangeError(`--runs must be a positive integer, got ${values.runs}`)
const onlyScenarios = values.only?.split(',')
const onlyTargets = values.targets?.split(',')
for (const id of onlyTargets ?? []) target(id)
for (const id of onlyScenarios ?? []) if (!SCENARIOS.some((s) => s.id === id)) throw new RangeError(`Unknown scenario ${id}`)
const profileDir = values.profile ? resolve(values['profile-dir'] ?? 'bench-profiles') : undefined
if (profileDir) mkdirSync(profileDir, { recursive: true })

const selected = SCENARIOS.filter((s) => (onlyScenarios ? onlyScenarios.includes(s.id) : !quick || s.inQuick !== false))
const serverNodeFlags = values['server-node-flags']?.split(/\s+/).filter((flag) => flag !== '') ?? []
const everything = !onlyScenarios && !onlyTargets && !values.profile && serverNodeFlags.length === 0
const outPath = values['no-write'] ? undefined : values.out ? resolve(values.out) : everything && !quick ? join(repoRoot, 'docs', 'benchmarks.md') : undefined

const QUICK_SKIPS = ['cowrite-memory', 'hocuspocus']

const log = (line: string) => process.stderr.write(`${line}\n`)
// A malformed keep block would make every write of the report fail: say so before running anything.
if (outPath) {
  try {
    keptBlocks(previousReport(outPath))
  } catch (error) {
    log(`${outPath}: ${(error as Error).message}; fix it, or pass --no-write`)
    process.exit(2)
  }
}
const startedAt = new Date()
const loadAtStart = loadAverage()
const machine = describeMachine()
log(`cowrite bench: ${quick ? 'quick' : 'full'}, ${runs} run(s), ${machine}; ${pinning}`)

/** What must be stopped if the bench is interrupted (SIGINT, SIGTERM): servers and engines running now. */
const running = new Set<() => Promise<void>>()
let interrupted = false
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true
    log(`\n${signal}: stopping ${running.size} server(s)/engine set(s)`)
    void Promise.allSettled([...running].map((stop) => stop())).then(() => process.exit(130))
  })
}

// The last net, for a crash or an interruption mid-start: nothing this process started outlives it
// (servers, the load generator, redis-server, nginx; the PostgreSQL fixture stops its own cluster
// at exit). nginx gets SIGTERM so its master takes its worker along.
process.on('exit', () => {
  for (const child of childrenOf(process.pid)) {
    try {
      process.kill(child.pid, child.comm === 'nginx' ? 'SIGTERM' : 'SIGKILL')
    } catch {
      // already gone
    }
  }
})

const results: ScenarioResult[] = []
for (const chosen of selected) {
  results.push(await runScenario(chosen))
  // Print each table as soon as it is known.
  process.stdout.write(`${renderReport({ quick, runs, machine, pinning, date: startedAt, results: [results.at(-1)!], headerless: true })}\n`)
  // Written after every scenario, so a long run that is interrupted still leaves its tables.
  if (results.length < selected.length) writeReport(true)
}
process.stdout.write(`${renderVerdicts(results).join('\n')}\n`)
writeReport(false)

/**
 * Rewrite the report with the hand-written blocks of the file it replaces, read afresh each time
 * (they may be edited during a long run). If they cannot be read, the file is left as it is.
 */
function writeReport(partial: boolean): void {
  if (!outPath) return
  const load = `${loadAtStart} at the start, ${loadAverage()} ${partial ? 'so far' : 'at the end'}`
  const report = renderReport({ quick, runs, machine, pinning, date: startedAt, results, load, partial })
  let text: string
  try {
    text = withKeptBlocks(report, previousReport(outPath))
  } catch (error) {
    log(`report NOT written to ${outPath}, so its hand-written blocks are not lost: ${(error as Error).message}`)
    return
  }
  mkdirSync(dirname(outPath), { recursive: true })
  writeFileSync(outPath, text)
  if (!partial) log(`report written to ${outPath}`)
}

function previousReport(path: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : ''
}
log(`done in ${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s`)

/** Run `stop` once, whether the run ends or is interrupted. */
function stopper(stop: () => Promise<void>): () => Promise<void> {
  let stopping: Promise<void> | undefined
  const once = () => (stopping ??= stop().finally(() => running.delete(once)))
  running.add(once)
  return once
}

async function runScenario(chosen: Scenario): Promise<ScenarioResult> {
  const params = chosen.params(quick)
  // --quick keeps Cowrite (SQLite), the y-websocket server and the floors: enough to spot a regression.
  const targets = chosen.targets.filter((id) => (onlyTargets ? onlyTargets.includes(id) : !quick || !QUICK_SKIPS.includes(id)))
  const perTarget = new Map<string, Metrics[]>(targets.map((id) => [id, []]))
  const notes: string[] = []
  log(`\n${chosen.title}`)
  let environment: Environment | undefined
  let stopEnvironment: (() => Promise<void>) | undefined
  try {
    if (chosen.environment) {
      environment = await chosen.environment(params, log)
      stopEnvironment = stopper(() => environment!.stop())
    }
  } catch (error) {
    log(`  FAILED to start the scenario's engines: ${(error as Error).message}`)
    notes.push(`engines did not start: ${(error as Error).message.split('\n')[0]!}`)
    return { scenario: chosen, params, targets, medians: new Map(), runsPerTarget: new Map(), notes }
  }
  try {
    await runTargets(chosen, targets, environment, perTarget, notes)
  } finally {
    await stopEnvironment?.()
  }
  const medians = new Map<string, Metrics>()
  for (const [id, list] of perTarget) {
    if (list.length === 0) continue
    const keys = new Set(list.flatMap((metrics) => Object.keys(metrics)))
    medians.set(id, Object.fromEntries([...keys].map((key) => [key, median(list.map((metrics) => metrics[key] ?? Number.NaN))])))
  }
  return { scenario: chosen, params, targets, medians, runsPerTarget: new Map([...perTarget].map(([id, list]) => [id, list.length])), notes }
}

async function runTargets(chosen: Scenario, targets: readonly string[], environment: Environment | undefined, perTarget: Map<string, Metrics[]>, notes: string[]): Promise<void> {
  for (let run = 1; run <= runs; run++) {
    // Targets are interleaved within each run, so background noise spreads over all of them.
    for (const id of targets) {
      if (interrupted) return
      const started = performance.now()
      const t = target(id)
      const options = { cpuProfileDir: values.profile === id ? profileDir : undefined, nodeFlags: serverNodeFlags }
      let server: RunningTarget
      try {
        if (environment) {
          server = await environment.start(id, options)
        } else {
          const single = await startServer(t.server, options)
          server = { handle: { pid: single.pid, url: single.url, wsUrl: single.wsUrl }, stop: () => single.stop() }
        }
      } catch (error) {
        notes.push(`${t.label}, run ${run}: did not start: ${(error as Error).message.split('\n')[0]!}`)
        log(`  run ${run} ${t.label}: FAILED to start: ${(error as Error).message}`)
        continue
      }
      const stop = stopper(server.stop)
      try {
        const handle = server.handle
        if (chosen.available && !(await chosen.available(handle))) {
          notes.push(`${t.label}: not available`)
          continue
        }
        const metrics = await drive(chosen.id, id, handle)
        perTarget.get(id)!.push(metrics)
        log(`  run ${run} ${t.label}: ${summary(metrics)} (${((performance.now() - started) / 1000).toFixed(1)} s)`)
      } catch (error) {
        const message = (error as Error).message.split('\n')[0]!
        notes.push(`${t.label}, run ${run}: ${message}`)
        log(`  run ${run} ${t.label}: FAILED ${(error as Error).message}`)
      } finally {
        await stop()
      }
    }
  }
}

function summary(metrics: Metrics): string {
  return Object.entries(metrics)
    .slice(0, 6)
    .map(([key, value]) => `${key}=${Number.isInteger(value) ? value : value.toFixed(1)}`)
    .join(' ')
}

/** Run the load generator for one scenario and target; resolves with its metrics. */
function drive(scenarioId: string, targetId: string, server: ServerHandle): Promise<Metrics> {
  const job = JSON.stringify({ scenario: scenarioId, target: targetId, server, quick })
  const [command, args] = pinned(1, ['--max-old-space-size=4096', join(here, 'driver.js')])
  const child = spawn(command, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced', env: { ...process.env, COWRITE_BENCH_JOB: job } })
  return new Promise<Metrics>((resolvePromise, reject) => {
    let answered = false
    const timer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error('load generator timed out after 300 s'))
    }, 300_000)
    child.on('message', (message: { ok: boolean; metrics?: Metrics; error?: string }) => {
      answered = true
      clearTimeout(timer)
      if (message.ok) resolvePromise(message.metrics!)
      else reject(new Error(message.error))
    })
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (!answered) reject(new Error(`load generator exited with ${code} without a result`))
    })
  })
}
