/**
 * The runs this process last wrote on the ingest path, each with the row version its write
 * produced (`RETURNING xmin`): the next batch of a run skips the read. Safe across processes
 * because every optimistic write is conditional on the version; a locking unit of work that
 * locks or writes the run forgets it.
 *
 * A run another process writes too (its spans arrive at several processes) is `shared`: its
 * remembered version would mostly be stale by the next batch, and a write on a stale version
 * costs a failed statement — its spans inserted, then undone — and a retry. Such a run is read
 * before each write instead, until a read finds it as this process left it.
 */
import { type Ids, type Instance, Lru } from "@agentledger/domain"

export interface WrittenRun {
  /** The row version (`xmin`) the last write produced; empty when unknown. */
  readonly version: string
  readonly instance: Instance.Instance
  readonly shared: boolean
}

/** How many runs' last written state the ingest path keeps (a few hundred bytes each). */
const capacity = 4096

/** A run's key, in the memory and in `RunTurns`. */
export const runKey = (account: Ids.AccountId, id: string): string => `${account}/${id}`

export class WrittenRuns {
  private readonly runs = new Lru.Lru<string, WrittenRun>(capacity)

  get(account: Ids.AccountId, id: Ids.InstanceId): WrittenRun | undefined {
    return this.runs.get(runKey(account, id))
  }

  /** This process's write left the run as `instance`, at row version `version`. */
  wrote(account: Ids.AccountId, instance: Instance.Instance, version: string): void {
    const key = runKey(account, instance.id)
    this.runs.set(key, { version, instance, shared: this.runs.get(key)?.shared ?? false })
  }

  /** Another process wrote the run since it was read: no version of it is known now. */
  overtaken(account: Ids.AccountId, instance: Instance.Instance): void {
    this.runs.set(runKey(account, instance.id), { version: "", instance, shared: true })
  }

  /** A read found the run at `version`: as this process left it, it is no longer shared. */
  readAt(account: Ids.AccountId, id: Ids.InstanceId, known: WrittenRun | undefined, version: string): void {
    if (known?.shared === true && known.version === version) this.runs.set(runKey(account, id), { ...known, shared: false })
  }

  forget(account: Ids.AccountId, id: Ids.InstanceId): void {
    this.runs.delete(runKey(account, id))
  }
}
