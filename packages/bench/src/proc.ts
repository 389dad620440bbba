/**
 * What the benchmark reads about processes and the machine from Linux's /proc: CPU time and
 * resident memory of a server by pid, and a one-line description of the host for the report.
 */
import { readdirSync, readFileSync } from 'node:fs'
import { cpus } from 'node:os'

/** Clock ticks per second of /proc/<pid>/stat's utime and stime (USER_HZ; 100 on Linux). */
const TICKS_PER_SECOND = 100

/** CPU time (user + system) consumed so far by `pid`, in milliseconds (10 ms resolution). */
export function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  // The command name (field 2) may hold spaces; the fields we want follow its closing paren.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  const utime = Number(fields[11])
  const stime = Number(fields[12])
  return ((utime + stime) * 1000) / TICKS_PER_SECOND
}

/** The fields of /proc/<pid>/stat after the command name (field 3 onwards), or undefined if it is gone. */
function statFields(pid: number): { comm: string; fields: string[] } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return { comm: stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')), fields: stat.slice(stat.lastIndexOf(')') + 2).split(' ') }
  } catch {
    return undefined
  }
}

/** The live processes whose parent is `pid`, with their command names. */
export function childrenOf(pid: number): Array<{ pid: number; comm: string }> {
  const children: Array<{ pid: number; comm: string }> = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const stat = statFields(Number(name))
    if (stat && Number(stat.fields[1]) === pid) children.push({ pid: Number(name), comm: stat.comm })
  }
  return children
}

/** `pid` and every live descendant of it. */
export function processTree(pid: number): number[] {
  const tree = [pid]
  for (let i = 0; i < tree.length; i++) tree.push(...childrenOf(tree[i]!).map((child) => child.pid))
  return tree
}

/**
 * A CPU meter over `pid` and its descendants (an engine: PostgreSQL's postmaster and its backends,
 * nginx's master and worker): CPU used since `start` by the processes alive at `stop` (one that
 * appeared meanwhile counts whole). Share of one core, like `cpuMeter`.
 */
export function treeCpuMeter(pid: number): { stop(): { cpuMs: number; wallMs: number; percent: number } } {
  const cpu0 = new Map(processTree(pid).map((member) => [member, cpuMsIfAlive(member) ?? 0]))
  const t0 = performance.now()
  return {
    stop() {
      let used = 0
      for (const member of processTree(pid)) {
        const now = cpuMsIfAlive(member)
        if (now !== undefined) used += now - (cpu0.get(member) ?? 0)
      }
      const wall = performance.now() - t0
      return { cpuMs: used, wallMs: wall, percent: (100 * used) / wall }
    },
  }
}

function cpuMsIfAlive(pid: number): number | undefined {
  try {
    return cpuMs(pid)
  } catch {
    return undefined
  }
}

/** Resident set size of `pid` in bytes. */
export function rssBytes(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8')
  const match = /^VmRSS:\s+(\d+) kB/m.exec(status)
  if (!match) throw new Error(`no VmRSS in /proc/${pid}/status`)
  return Number(match[1]) * 1024
}

/** A CPU meter over an interval: `stop()` returns the share of one core used since `start`. */
export function cpuMeter(pid: number): { stop(): { cpuMs: number; wallMs: number; percent: number } } {
  const cpu0 = cpuMs(pid)
  const t0 = performance.now()
  return {
    stop() {
      const used = cpuMs(pid) - cpu0
      const wall = performance.now() - t0
      return { cpuMs: used, wallMs: wall, percent: (100 * used) / wall }
    },
  }
}

/** `AMD EPYC …, 2 cores, Node v20.x, Linux 6.x`. */
export function describeMachine(): string {
  const list = cpus()
  let model = list[0]?.model?.trim() ?? 'unknown CPU'
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8')
    model = /^model name\s*:\s*(.+)$/m.exec(info)?.[1]?.trim() ?? model
  } catch {
    // not Linux: keep os.cpus()'s name
  }
  let kernel = ''
  try {
    kernel = readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim()
  } catch {
    kernel = 'unknown'
  }
  let memory = ''
  try {
    const kb = Number(/^MemTotal:\s+(\d+)/m.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1])
    memory = `, ${Math.round(kb / 1024 / 1024)} GiB RAM`
  } catch {
    memory = ''
  }
  return `${model}, ${list.length} cores${memory}, Node ${process.version}, Linux ${kernel}`
}

/** The 1-, 5- and 15-minute load averages, as `/proc/loadavg` gives them. */
export function loadAverage(): string {
  try {
    return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')
  } catch {
    return 'unknown'
  }
}
