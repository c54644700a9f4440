/**
 * CPU time of processes and threads, read from `/proc` (Linux; elsewhere every figure is 0): for
 * the benches that ask which thread or process a server spends its time in.
 */
import { readFileSync } from "node:fs"

/** Clock ticks per second of /proc/<pid>/stat's times (USER_HZ, 100 on Linux). */
const ticksPerSecond = 100

/** CPU seconds (user + system) of a `/proc` stat file: a process's (all its threads) or a thread's. */
const statCpuSeconds = (path: string): number => {
  try {
    const stat = readFileSync(path, "utf8")
    // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ")
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
  } catch {
    return 0
  }
}

/** CPU seconds a live process has used, all its threads; 0 once it is gone. */
export const processCpuSeconds = (pid: number): number => statCpuSeconds(`/proc/${pid}/stat`)

/** CPU seconds of a process's main thread (its thread id is the process id): a Node server's serving thread. */
export const mainThreadCpuSeconds = (pid: number): number => statCpuSeconds(`/proc/${pid}/task/${pid}/stat`)

const childrenOf = (pid: number): ReadonlyArray<number> => {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter((id) => id !== "").map(Number)
  } catch {
    return []
  }
}

/** CPU seconds of a process and its live descendants. */
export const treeCpuSeconds = (pid: number): number =>
  processCpuSeconds(pid) + childrenOf(pid).reduce((total, child) => total + treeCpuSeconds(child), 0)
