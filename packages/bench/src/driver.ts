/**
 * The load generator: a child process (pinned to core 1) that runs one scenario against one
 * running server and sends its metrics to the runner over IPC. The job arrives in the
 * `COWRITE_BENCH_JOB` environment variable as JSON.
 */
import type { ServerHandle } from './scenario.js'
import { scenario } from './scenarios/index.js'
import { target } from './targets.js'

interface Job {
  scenario: string
  target: string
  server: ServerHandle
  quick: boolean
}

const job = JSON.parse(process.env.COWRITE_BENCH_JOB ?? 'null') as Job | null
if (!job || !process.send) {
  process.stderr.write('driver.js is started by the bench runner (cli.js), not by hand\n')
  process.exit(2)
}

// Every stock y-websocket provider adds a process 'exit' listener.
process.setMaxListeners(0)

const chosen = scenario(job.scenario)
const params = chosen.params(job.quick)
const prefix = `  [${job.scenario} × ${job.target}]`
try {
  const metrics = await chosen.run(params, {
    target: target(job.target),
    server: job.server,
    quick: job.quick,
    log: (line) => process.stderr.write(`${prefix} ${line}\n`),
  })
  process.send({ ok: true, metrics }, () => process.exit(0))
} catch (error) {
  process.send({ ok: false, error: (error as Error).stack ?? String(error) }, () => process.exit(1))
}
