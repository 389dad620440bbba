/**
 * Scenario 6, scale-out (issue #13): the fan-out scenario's typing against three Cowrite instances
 * sharing one PostgreSQL database and one Redis, with the clients spread over the instances or
 * sent through nginx (room affinity: a consistent hash of the room), against one instance on the
 * same PostgreSQL without Redis. The scenario starts its own engines (the `@cowrite/testing`
 * fixtures) once, a fresh database and the instances (and nginx) per target.
 *
 * Figures: delivery latency (until every receiver has an insert, as in fan-out, and per single
 * delivery, apart for receivers on the typist's instance and on another one, whose copy crossed
 * Redis), the share of deliveries that crossed Redis, Redis messages published and received per
 * stored update (the instances' counters), CPU of each instance and of the engines.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { engineFixtures, type NginxEngine, type PostgresEngine, type RedisEngine } from '../fixtures.js'
import { childrenOf, cpuMeter, treeCpuMeter } from '../proc.js'
import { httpGet, prometheusValue, type Deployment, type Environment, type InstanceHandle, type Metrics, type Scenario, type ServerHandle } from '../scenario.js'
import { percentile } from '../stats.js'
import { pinning, startServer } from '../targets.js'
import { connectTypingClients, typeAndMeasure, type TypingParams, type TypingWindow } from '../typing.js'

export interface ScaleOutParams extends TypingParams {
  clients: number
  instances: number
  /** Rooms of the many-rooms row (its clients and typists are dealt over them round-robin). */
  manyRooms: number
}

interface Topology {
  instances: 'one' | 'all'
  via: Deployment['via']
  rooms: 'one' | 'many'
}

const TOPOLOGIES: Record<string, Topology> = {
  'cowrite-postgres': { instances: 'one', via: 'direct', rooms: 'one' },
  'scale-out-spread': { instances: 'all', via: 'direct', rooms: 'one' },
  'scale-out-nginx': { instances: 'all', via: 'nginx', rooms: 'one' },
  'scale-out-nginx-rooms': { instances: 'all', via: 'nginx', rooms: 'many' },
}

/** Delivery classes: the receiver is on the typist's instance, on another one (through Redis), or we could not tell. */
const LOCAL = 0
const CROSSED = 1
const UNPLACED = 2

const COUNTERS = ['cowrite_updates_total', 'cowrite_redis_published_total', 'cowrite_redis_received_total', 'cowrite_messages_sent_total'] as const

export const scaleOut: Scenario<ScaleOutParams> = {
  id: 'scale-out',
  title: '6. Scale-out: three instances on one PostgreSQL and one Redis',
  targets: Object.keys(TOPOLOGIES),
  floor: 'cowrite-postgres',
  inQuick: false,
  params: (quick) => ({ clients: 50, typists: 5, intervalMs: 20, durationMs: quick ? 3_000 : 10_000, drainMs: 5_000, instances: 3, manyRooms: 5 }),
  describe: (p) =>
    `The fan-out scenario's typing (${p.clients} stock clients, ${p.typists} typists each inserting a character at a random position every ${p.intervalMs} ms ` +
    `for ${p.durationMs / 1000} s, without its warm-up) against \`cowrite serve --storage postgres://… [--redis redis://… --instance-id …] --rate-limit 0\`: one instance ` +
    `without Redis (the baseline), then ${p.instances} instances sharing one database and one Redis with the clients spread round-robin over them ` +
    `(connected to each instance directly), then the same ${p.instances} behind nginx as docs/self-hosting.md configures it (\`hash $cowrite_room consistent\`: ` +
    `room affinity), with the one room and with the clients and typists dealt over ${p.manyRooms} rooms (${p.clients / p.manyRooms} clients and ` +
    `${p.typists / p.manyRooms} typist per room, so ${((p.typists * 1000) / p.intervalMs) * (p.clients / p.manyRooms - 1)} deliveries/s instead of ` +
    `${((p.typists * 1000) / p.intervalMs) * (p.clients - 1)}: its latencies are not comparable with the other rows'). ` +
    `The scenario starts its own redis-server, PostgreSQL cluster (fsync off) and nginx (the \`@cowrite/testing\` fixtures), and a fresh database per row. ` +
    `**Placement: ${pinning}; all instances are pinned to the same core 0, so the ${p.instances} instances share one core (the machine has 2); ` +
    `PostgreSQL, Redis and nginx are not pinned and float over both cores.** This measures what scale-out costs (the Redis hop, messages, CPU), ` +
    `not the capacity it adds. *all receivers*: an insert until every other client of its room has it (the fan-out figure); ` +
    `*local* / *crossed*: single deliveries to a client on the typist's instance / on another instance (its copy came through Redis); ` +
    `where each client landed is read from the instances' \`cowrite_connections\` gauges after each client synced (clients connect one at a time). ` +
    `*crossed %*: crossed deliveries ÷ all deliveries. *published* / *received per update*: the instances' \`cowrite_redis_published_total\` / ` +
    `\`cowrite_redis_received_total\` ÷ \`cowrite_updates_total\`, summed over instances, from the start of the typing until the drain (awareness renewals included); ` +
    `*Redis bytes out ÷ in*: what redis-server wrote to its clients ÷ what it read (its \`INFO stats\` byte counters, same interval): about the subscribers each published message reaches, the publisher's own subscription included. ` +
    `CPU: share of one core over the typing window, per instance (busiest first), summed, and per engine (a process and its children; PostgreSQL: the postmaster and every backend).`,
  columns: () => [
    { key: 'p50', label: 'all receivers p50 ms', better: 'lower', digits: 1 },
    { key: 'p99', label: 'all receivers p99 ms', better: 'lower', digits: 1 },
    { key: 'localP50', label: 'local p50 ms', digits: 1 },
    { key: 'localP99', label: 'local p99 ms', digits: 1 },
    { key: 'crossedP50', label: 'crossed p50 ms', digits: 1 },
    { key: 'crossedP99', label: 'crossed p99 ms', digits: 1 },
    { key: 'crossedPercent', label: 'crossed %', digits: 1 },
    { key: 'undelivered', label: 'undelivered', digits: 0 },
    { key: 'publishedPerUpdate', label: 'Redis published / update', digits: 2 },
    { key: 'receivedPerUpdate', label: 'Redis received / update', digits: 2 },
    { key: 'redisOutPerIn', label: 'Redis bytes out ÷ in', digits: 2 },
    { key: 'instancesWithClients', label: 'instances with clients', digits: 0 },
    { key: 'cpuInstances', label: 'instances CPU %', better: 'lower', digits: 1 },
    { key: 'cpuBusiest', label: 'busiest CPU %', digits: 1 },
    { key: 'cpuSecond', label: '2nd CPU %', digits: 1 },
    { key: 'cpuThird', label: '3rd CPU %', digits: 1 },
    { key: 'cpuPostgres', label: 'PostgreSQL CPU %', digits: 1 },
    { key: 'cpuRedis', label: 'Redis CPU %', digits: 1 },
    { key: 'cpuNginx', label: 'nginx CPU %', digits: 1 },
    { key: 'cpuAll', label: 'all server-side CPU %', better: 'lower', digits: 1 },
  ],
  environment: (p, log) => startEnvironment(p, log),
  async run(p, { target, server, log }) {
    const topology = topologyOf(target.id)
    const instances: InstanceHandle[] = server.deployment?.instances ?? [{ id: 'single', pid: server.pid, url: server.url, wsUrl: server.wsUrl }]
    const rooms = topology.rooms === 'many' ? p.manyRooms : 1
    const typists = Array.from({ length: p.typists }, (_, index) => index)
    // Client i is in room i mod rooms, so the first `rooms` clients are one typist per room.
    const place = (index: number) => ({
      wsUrl: topology.via === 'nginx' ? server.wsUrl : instances[index % instances.length]!.wsUrl,
      room: `scale-out-${index % rooms}`,
    })
    /** Per client: the index of the instance it landed on (-1: could not tell). */
    const instanceOf: number[] = []
    let connections = instances.length > 1 ? await connectionGauges(instances) : [0]
    const session = await connectTypingClients(target.protocol, p.clients, typists, place, {
      concurrency: 1,
      async synced(index) {
        if (instances.length === 1) return void (instanceOf[index] = 0)
        const now = await connectionGauges(instances)
        const grown = now.flatMap((count, i) => (count > connections[i]! ? [i] : []))
        instanceOf[index] = grown.length === 1 && now[grown[0]!]! - connections[grown[0]!]! === 1 ? grown[0]! : -1
        connections = now
      },
      classify: (receiver, source) => {
        const from = instanceOf[typists[source]!] ?? -1
        const to = instanceOf[receiver] ?? -1
        return from < 0 || to < 0 ? UNPLACED : from === to ? LOCAL : CROSSED
      },
    })
    const perInstance = instances.map((_, i) => instanceOf.filter((at) => at === i).length)
    const roomsPerInstance = instances.map((_, i) => new Set(instanceOf.flatMap((at, client) => (at === i ? [client % rooms] : []))).size)
    log(`${session.clients.length} clients synced; clients per instance ${perInstance.join('/')}, rooms per instance ${roomsPerInstance.join('/')}; typing`)

    const redisUrl = server.deployment?.redisUrl
    const [before, redisBefore] = await Promise.all([counters(instances), redisUrl ? redisStats(redisUrl) : undefined])
    const cpu = cpuWindows(instances, server.deployment)
    const latency = await typeAndMeasure(p, session.deliveries, session.insert, cpu)
    const [after, redisAfter] = await Promise.all([counters(instances), redisUrl ? redisStats(redisUrl) : undefined])
    session.destroy()
    const redisIn = redisAfter && redisBefore ? redisAfter.total_net_input_bytes! - redisBefore.total_net_input_bytes! : Number.NaN
    const redisOut = redisAfter && redisBefore ? redisAfter.total_net_output_bytes! - redisBefore.total_net_output_bytes! : Number.NaN

    const delta = (name: (typeof COUNTERS)[number]) => instances.reduce((sum, _, i) => sum + after[i]![name] - before[i]![name], 0)
    const updates = delta('cowrite_updates_total')
    const local = session.deliveries.byClass[LOCAL] ?? []
    const crossed = session.deliveries.byClass[CROSSED] ?? []
    const unplaced = session.deliveries.byClass[UNPLACED] ?? []
    if (unplaced.length > 0) log(`${unplaced.length} deliveries involve a client whose instance could not be told (left out of local/crossed)`)
    const sorted = [...cpu.instancePercents].sort((a, b) => b - a)
    const metrics: Metrics = {
      ...latency,
      localP50: percentile(local, 50),
      localP99: percentile(local, 99),
      crossedP50: percentile(crossed, 50),
      crossedP99: percentile(crossed, 99),
      crossedPercent: (100 * crossed.length) / (local.length + crossed.length),
      unplacedDeliveries: unplaced.length,
      updates,
      publishedPerUpdate: delta('cowrite_redis_published_total') / updates,
      receivedPerUpdate: delta('cowrite_redis_received_total') / updates,
      messagesSent: delta('cowrite_messages_sent_total'),
      redisInKb: redisIn / 1024,
      redisOutKb: redisOut / 1024,
      redisOutPerIn: redisOut / redisIn,
      instancesWithClients: perInstance.filter((count) => count > 0).length,
      cpuInstances: sorted.reduce((sum, percent) => sum + percent, 0),
      cpuBusiest: sorted[0] ?? Number.NaN,
      cpuSecond: sorted[1] ?? Number.NaN,
      cpuThird: sorted[2] ?? Number.NaN,
      ...cpu.enginePercents,
    }
    metrics.cpuAll = metrics.cpuInstances! + ['cpuPostgres', 'cpuRedis', 'cpuNginx'].reduce((sum, key) => sum + (Number.isFinite(metrics[key]) ? metrics[key]! : 0), 0)
    log(
      `${updates} updates stored, ${delta('cowrite_redis_published_total')} published, ${delta('cowrite_redis_received_total')} received over Redis, ` +
        `${metrics.messagesSent} WebSocket messages sent; Redis in ${(redisIn / 1024).toFixed(0)} KB, out ${(redisOut / 1024).toFixed(0)} KB; deliveries local ${local.length}, crossed ${crossed.length}; CPU per instance ${cpu.instancePercents.map((x) => x.toFixed(1)).join('/')}`,
    )
    return metrics
  },
}

function topologyOf(targetId: string): Topology {
  const topology = TOPOLOGIES[targetId]
  if (!topology) throw new RangeError(`scale-out has no deployment for target ${targetId}`)
  return topology
}

/** Each instance's `cowrite_connections`. */
async function connectionGauges(instances: readonly InstanceHandle[]): Promise<number[]> {
  return Promise.all(instances.map(async (instance) => prometheusValue(await httpGet(`${instance.url}/metrics`), 'cowrite_connections')))
}

async function counters(instances: readonly InstanceHandle[]): Promise<Array<Record<(typeof COUNTERS)[number], number>>> {
  return Promise.all(
    instances.map(async (instance) => {
      const text = await httpGet(`${instance.url}/metrics`)
      return Object.fromEntries(COUNTERS.map((name) => [name, prometheusValue(text, name)])) as Record<(typeof COUNTERS)[number], number>
    }),
  )
}

/** Redis's `INFO stats` (its own byte counters: what it read from and wrote to every client). */
function redisStats(url: string): Promise<Record<string, number>> {
  const { hostname, port } = new URL(url)
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) })
    let reply = Buffer.alloc(0)
    socket.setTimeout(10_000, () => socket.destroy(new Error('redis INFO timed out')))
    socket.once('error', reject)
    socket.on('data', (chunk: Buffer) => {
      reply = Buffer.concat([reply, chunk])
      // A bulk string: `$<length>\r\n<payload>\r\n`.
      const header = reply.indexOf('\r\n')
      if (header < 0) return
      if (reply[0] !== 0x24) return socket.destroy(new Error(`redis INFO: ${reply.toString('utf8', 0, header)}`))
      const length = Number(reply.toString('utf8', 1, header))
      if (reply.length < header + 2 + length) return
      socket.end()
      const fields = reply.toString('utf8', header + 2, header + 2 + length).split('\r\n')
      resolve(Object.fromEntries(fields.flatMap((line) => (line.includes(':') ? [[line.slice(0, line.indexOf(':')), Number(line.slice(line.indexOf(':') + 1))]] : []))))
    })
    socket.write('INFO stats\r\n')
  })
}

/** CPU over the typing window: each instance, and each engine the deployment names (with its children). */
function cpuWindows(instances: readonly InstanceHandle[], deployment: Deployment | undefined) {
  const engines = Object.entries(deployment?.enginePids ?? {})
  let instanceMeters: Array<ReturnType<typeof cpuMeter>> = []
  let engineMeters: Array<[string, ReturnType<typeof treeCpuMeter> | undefined]> = []
  const result: TypingWindow & { instancePercents: number[]; enginePercents: Record<string, number> } = {
    instancePercents: [],
    enginePercents: { cpuPostgres: Number.NaN, cpuRedis: Number.NaN, cpuNginx: Number.NaN },
    start() {
      instanceMeters = instances.map((instance) => cpuMeter(instance.pid))
      engineMeters = engines.map(([name, pid]) => [name, pid === undefined ? undefined : treeCpuMeter(pid)])
    },
    stop() {
      result.instancePercents = instanceMeters.map((meter) => meter.stop().percent)
      for (const [name, meter] of engineMeters) {
        result.enginePercents[`cpu${name[0]!.toUpperCase()}${name.slice(1)}`] = meter ? meter.stop().percent : Number.NaN
      }
    },
  }
  return result
}

/**
 * In the runner: PostgreSQL and Redis for every target, and per target a fresh database, the
 * instances and nginx. `stop` also stops a deployment still starting (an interrupted run): each
 * one's stop waits for whatever it has in flight and stops that too.
 */
async function startEnvironment(p: ScaleOutParams, log: (line: string) => void): Promise<Environment> {
  const fixtures = await engineFixtures()
  const started = performance.now()
  const before = new Set(childrenOf(process.pid).map((child) => child.pid))
  const [postgresStart, redisStart] = await Promise.allSettled([fixtures.startPostgres(), fixtures.startRedis()])
  const postgres: PostgresEngine | undefined = postgresStart.status === 'fulfilled' ? postgresStart.value : undefined
  const redis: RedisEngine | undefined = redisStart.status === 'fulfilled' ? redisStart.value : undefined
  let enginesStopping: Promise<void> | undefined
  const stopEngines = () =>
    (enginesStopping ??= Promise.allSettled([postgres?.stop(), redis?.stop()]).then((results) => {
      for (const outcome of results) if (outcome.status === 'rejected') log(`  stopping an engine failed: ${(outcome.reason as Error).message}`)
    }))
  if (!postgres || !redis) {
    await stopEngines()
    throw (postgresStart.status === 'rejected' ? postgresStart.reason : (redisStart as PromiseRejectedResult).reason) as Error
  }
  const redisPid = childrenOf(process.pid).find((child) => child.comm === 'redis-server' && !before.has(child.pid))?.pid
  const postgresPid = postmasterPid(postgres.port)
  log(`  engines: PostgreSQL on ${postgres.port} (postmaster ${postgresPid ?? 'not found'}), Redis on ${redis.port} (pid ${redisPid ?? 'not found'}), ${((performance.now() - started) / 1000).toFixed(1)} s`)
  /** The stops of deployments started or starting and not stopped yet. */
  const live = new Set<() => Promise<void>>()
  let deployments = 0
  return {
    async start(targetId, { cpuProfileDir, nodeFlags }) {
      const topology = topologyOf(targetId)
      const count = topology.instances === 'one' ? 1 : p.instances
      const serial = ++deployments
      const ids = Array.from({ length: count }, (_, i) => `bench-${serial}-${String.fromCharCode(97 + i)}`)
      /** Everything this deployment started or is starting. */
      const parts: Array<Promise<{ stop(): Promise<void> }>> = []
      let stopping: Promise<void> | undefined
      const stop = () =>
        (stopping ??= (async () => {
          live.delete(stop)
          const outcomes = await Promise.allSettled(parts)
          await Promise.allSettled(outcomes.flatMap((outcome) => (outcome.status === 'fulfilled' ? [outcome.value.stop()] : [])))
        })())
      live.add(stop)
      try {
        const storage = await postgres.createDatabase()
        const instances = ids.map((instanceId) => startServer('cowrite-postgres', { storage, redis: count > 1 ? redis.url : undefined, instanceId, cpuProfileDir, nodeFlags }))
        parts.push(...instances)
        const running = await Promise.all(instances)
        let nginx: NginxEngine | undefined
        let nginxPid: number | undefined
        if (topology.via === 'nginx' && !stopping) {
          const before = new Set(childrenOf(process.pid).map((child) => child.pid))
          const starting = fixtures.startNginx(running.map((instance) => new URL(instance.url).host))
          parts.push(starting)
          nginx = await starting
          nginxPid = childrenOf(process.pid).find((child) => child.comm === 'nginx' && !before.has(child.pid))?.pid
        }
        if (stopping) throw new Error('stopped while starting')
        const handles = running.map((instance, i) => ({ id: ids[i]!, pid: instance.pid, url: instance.url, wsUrl: instance.wsUrl }))
        const entry = nginx ? { url: nginx.url, wsUrl: nginx.url.replace(/^http/, 'ws') } : { url: handles[0]!.url, wsUrl: handles[0]!.wsUrl }
        const handle: ServerHandle = {
          pid: handles[0]!.pid,
          ...entry,
          deployment: {
            instances: handles,
            via: topology.via,
            ...(count > 1 ? { redisUrl: redis.url } : {}),
            enginePids: { postgres: postgresPid, ...(count > 1 ? { redis: redisPid } : {}), ...(nginx ? { nginx: nginxPid } : {}) },
          },
        }
        return { handle, stop }
      } catch (error) {
        await stop()
        throw error
      }
    },
    async stop() {
      await Promise.allSettled([...live].map((stop) => stop()))
      await stopEngines()
    },
  }
}

/**
 * The postmaster's pid of the fixture's cluster on `port`: the first line of the lock file beside
 * its Unix socket, which the fixture puts in its own `cowrite-pg-*` directory under the temp dir
 * (pg_ctl detaches the postmaster, so it is no child of ours).
 */
function postmasterPid(port: number): number | undefined {
  try {
    for (const name of readdirSync(tmpdir())) {
      if (!name.startsWith('cowrite-pg-')) continue
      const lock = join(tmpdir(), name, `.s.PGSQL.${port}.lock`)
      if (existsSync(lock)) return Number(readFileSync(lock, 'utf8').split('\n')[0]) || undefined
    }
  } catch {
    // not found: PostgreSQL's CPU is reported as unknown
  }
  return undefined
}
