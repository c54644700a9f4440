/**
 * What the soak bench reads from Linux's /proc about the processes in play: the server's
 * resident memory as the kernel counts it (VmRSS — what an operator's monitoring sees, the
 * checker threads and PGlite's WebAssembly memory included), and CPU time, so each sample
 * records how busy the server was and how much of the shared 2-core machine others took.
 * Off Linux every reading is undefined and the bench says so.
 */
import { readFileSync } from "node:fs"

/** Clock ticks per second of /proc's CPU counters (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100

const read = (path: string): string | undefined => {
  try {
    return readFileSync(path, "utf8")
  } catch {
    return undefined
  }
}

/** The resident set of process `pid`, in MiB. */
export const rssMib = (pid: number): number | undefined => {
  const kib = /^VmRSS:\s+(\d+)\s+kB/m.exec(read(`/proc/${pid}/status`) ?? "")?.[1]
  return kib === undefined ? undefined : Number(kib) / 1024
}

/** CPU seconds process `pid` (all its threads) has used: user + system. */
export const processCpuSeconds = (pid: number): number | undefined => {
  const stat = read(`/proc/${pid}/stat`)
  if (stat === undefined) return undefined
  // The command name (field 2) may hold spaces: count fields from after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
  const user = Number(fields[11])
  const system = Number(fields[12])
  return Number.isFinite(user) && Number.isFinite(system) ? (user + system) / ticksPerSecond : undefined
}

/** CPU seconds the whole machine has been busy (every core, idle and I/O wait excluded). */
export const machineBusySeconds = (): number | undefined => {
  const fields = read("/proc/stat")?.split("\n")[0]?.trim().split(/\s+/).slice(1).map(Number)
  if (fields === undefined) return undefined
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields
  return (user + nice + system + irq + softirq + steal) / ticksPerSecond
}

/** A meter of CPU use between two readings, as a share of one core. */
export const cpuMeter = (pids: () => ReadonlyArray<number>, server: number) => {
  const reading = () => ({
    at: Number(process.hrtime.bigint()) / 1e9,
    machine: machineBusySeconds(),
    server: processCpuSeconds(server),
    ours: pids().reduce((sum, pid) => sum + (processCpuSeconds(pid) ?? 0), 0) + process.cpuUsage().user / 1e6 + process.cpuUsage().system / 1e6
  })
  let last = reading()
  /** Since the last call: the server's CPU and the CPU of every process but the server, the load and this one, in % of a core. */
  return (): { readonly serverPct: number | undefined; readonly othersPct: number | undefined } => {
    const now = reading()
    const wall = now.at - last.at
    const server = now.server !== undefined && last.server !== undefined ? now.server - last.server : undefined
    const machine = now.machine !== undefined && last.machine !== undefined ? now.machine - last.machine : undefined
    const others = machine === undefined || server === undefined ? undefined : Math.max(0, machine - server - (now.ours - last.ours))
    last = now
    return {
      serverPct: server === undefined || wall <= 0 ? undefined : (100 * server) / wall,
      othersPct: others === undefined || wall <= 0 ? undefined : (100 * others) / wall
    }
  }
}
