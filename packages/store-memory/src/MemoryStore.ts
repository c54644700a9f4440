/**
 * The in-memory `LedgerStore`: maps per account, with the indexes the PostgreSQL adapter has as
 * unique constraints and enforcing the same uniqueness rules.
 *
 * A unit of work holds its account's lock (a one-permit semaphore) from first read to last
 * write, so units in one account are serializable; accounts never wait for each other. Writes
 * apply at once and push an undo step; a unit that fails or is interrupted replays its undo log
 * backwards, so it leaves nothing behind. Reads take the same lock, so they never see a unit
 * that may still roll back.
 */
import {
  type Account as AccountNs,
  type Agent as AgentNs,
  type AgentVersion as AgentVersionNs,
  type ApiToken as ApiTokenNs,
  type Deployment as DeploymentNs,
  Environment as EnvironmentNs,
  type Ids,
  type IdempotencyRecord,
  type Instance as InstanceNs,
  LedgerStore,
  type Listed,
  type ListQuery,
  type RiskProfile as RiskProfileNs,
  type SchemaVersion as SchemaVersionNs,
  type Span as SpanNs,
  SpanOutline,
  type StoreTx,
  UniqueViolation
} from "@agentledger/domain"
import { type Context, DateTime, Effect, Exit, Layer, Option } from "effect"
import * as Tallies from "./Tallies.js"

type Account = AccountNs.Account
type Agent = AgentNs.Agent
type AgentVersion = AgentVersionNs.AgentVersion
type ApiToken = ApiTokenNs.ApiToken
type Deployment = DeploymentNs.Deployment
type DeploymentHistoryEntry = DeploymentNs.DeploymentHistoryEntry
type Environment = EnvironmentNs.Environment
type Instance = InstanceNs.Instance
type RiskProfile = RiskProfileNs.RiskProfile
type RiskProfileRevision = RiskProfileNs.RiskProfileRevision
type SchemaVersion = SchemaVersionNs.SchemaVersion
type Span = SpanNs.Span

/** A table: rows by id, plus the unique keys that name a row. */
class Table<K extends string, A> {
  readonly rows = new Map<K, A>()
  readonly keys = new Map<string, K>()
}

/**
 * A one-holder lock. Effect's semaphore costs about 4 µs per use, more than a whole in-memory
 * unit of work; this one takes the lock synchronously when it is free and parks the fiber
 * otherwise. The caller releases it exactly once, in the unit's exit handler.
 */
class Mutex {
  private held = false
  private readonly waiting: Array<() => void> = []

  acquire: Effect.Effect<void> = Effect.suspend(() => {
    if (!this.held) {
      this.held = true
      return Effect.void
    }
    return Effect.async<void>((resume) => {
      const wake = () => resume(Effect.void)
      this.waiting.push(wake)
      // Interrupted while waiting: leave the queue; if the lock was already handed over, pass it on.
      return Effect.sync(() => {
        const at = this.waiting.indexOf(wake)
        if (at >= 0) this.waiting.splice(at, 1)
      })
    })
  })

  release(): void {
    const next = this.waiting.shift()
    if (next === undefined) this.held = false
    else next()
  }

  /** Whether anyone holds or awaits it. */
  get busy(): boolean {
    return this.held
  }

  /** Runs `work` holding the lock; `onExit` runs before the lock passes on. */
  with<A, E, R>(work: Effect.Effect<A, E, R>, onExit: (exit: Exit.Exit<A, E>) => void): Effect.Effect<A, E, R> {
    return Effect.uninterruptibleMask((restore) =>
      Effect.zipRight(
        this.acquire,
        restore(work).pipe(Effect.onExit((exit) =>
          Effect.sync(() => {
            try {
              onExit(exit)
            } finally {
              this.release()
            }
          })
        ))
      )
    )
  }
}

interface AccountData {
  readonly lock: Mutex
  readonly environments: Table<Ids.EnvironmentId, Environment>
  readonly tokens: Table<Ids.ApiTokenId, ApiToken>
  readonly agents: Table<Ids.AgentId, Agent>
  readonly schemaVersions: Table<Ids.SchemaVersionId, SchemaVersion>
  readonly versions: Table<Ids.AgentVersionId, AgentVersion>
  readonly deployments: Table<Ids.DeploymentId, Deployment>
  readonly history: Map<Ids.DeploymentId, Array<DeploymentHistoryEntry>>
  readonly instances: Table<Ids.InstanceId, Instance>
  readonly spans: Table<Ids.SpanId, Span>
  /** Span ids per instance, in creation order: the timeline's source. */
  readonly spansOf: Map<Ids.InstanceId, Array<Ids.SpanId>>
  readonly profiles: Table<Ids.RiskProfileId, RiskProfile>
  readonly revisions: Table<Ids.RiskProfileRevisionId, RiskProfileRevision>
  readonly idempotency: Map<string, IdempotencyRecord>
  /** The undo log of the unit of work holding the lock; null during a read. */
  undo: Undo | null
  /** Releases of the named turns (`StoreTx.exclusive`) the unit of work holding the lock took. */
  readonly turns: Array<() => void>
  /** The account's StoreTx, built once: units of work only swap the undo log. */
  tx: StoreTx | undefined
}

const newAccountData = (): AccountData => ({
  lock: new Mutex(),
  environments: new Table(),
  tokens: new Table(),
  agents: new Table(),
  schemaVersions: new Table(),
  versions: new Table(),
  deployments: new Table(),
  history: new Map(),
  instances: new Table(),
  spans: new Table(),
  spansOf: new Map(),
  profiles: new Table(),
  revisions: new Table(),
  idempotency: new Map(),
  undo: null,
  turns: [],
  tx: undefined
})

type Undo = Array<() => void>

const compareValues = (a: unknown, b: unknown): number => {
  if (a === b) return 0
  if (a === null || a === undefined) return 1
  if (b === null || b === undefined) return -1
  if (DateTime.isDateTime(a) && DateTime.isDateTime(b)) return DateTime.toEpochMillis(a) - DateTime.toEpochMillis(b)
  if (typeof a === "number" && typeof b === "number") return a - b
  const x = String(a)
  const y = String(b)
  return x < y ? -1 : x > y ? 1 : 0
}

/** Filters, orders (ties by id) and pages rows as the list endpoints do. */
const listOf = <A extends { readonly id: string }, F extends keyof A & string>(
  rows: Iterable<A>,
  keep: (row: A) => boolean,
  query: ListQuery<F>
): Listed<A> => {
  const kept: Array<A> = []
  for (const row of rows) if (keep(row)) kept.push(row)
  const sign = query.sort.direction === "asc" ? 1 : -1
  const field = query.sort.field
  kept.sort((a, b) => sign * (compareValues(a[field], b[field]) || compareValues(a.id, b.id)))
  return { items: kept.slice(query.offset, query.offset + query.limit), total: kept.length }
}

/** The whole store: every account's data, and the two global indexes. */
export interface MemoryState {
  readonly accounts: Map<Ids.AccountId, Account>
  readonly tokensByHash: Map<string, ApiToken>
  readonly data: Map<Ids.AccountId, AccountData>
  /** The named turns of `StoreTx.exclusive` someone holds or awaits. */
  readonly turns: Map<string, Mutex>
}

export const makeState = (): MemoryState => ({ accounts: new Map(), tokensByHash: new Map(), data: new Map(), turns: new Map() })

const dataOf = (state: MemoryState, account: Ids.AccountId): AccountData => {
  const existing = state.data.get(account)
  if (existing !== undefined) return existing
  const created = newAccountData()
  state.data.set(account, created)
  return created
}

const makeTx = (state: MemoryState, account: Ids.AccountId, data: AccountData): StoreTx => {
  const write = (step: () => void) => {
    if (data.undo === null) throw new Error("a read tried to write")
    data.undo.push(step)
  }
  const get = <K extends string, A>(table: Table<K, A>, id: K): Effect.Effect<Option.Option<A>> =>
    Effect.sync(() => Option.fromNullable(table.rows.get(id)))
  const byKey = <K extends string, A>(table: Table<K, A>, key: string): Effect.Effect<Option.Option<A>> =>
    Effect.sync(() => {
      const id = table.keys.get(key)
      return id === undefined ? Option.none() : Option.fromNullable(table.rows.get(id))
    })

  /** Inserts a row under its id and unique keys, or names the first key already taken. */
  const insertRow = <K extends string, A>(
    table: Table<K, A>,
    name: string,
    id: K,
    row: A,
    uniqueKeys: ReadonlyArray<string>
  ): UniqueViolation | undefined => {
    if (table.rows.has(id)) return new UniqueViolation({ constraint: `${name}_pkey` })
    for (const key of uniqueKeys) if (table.keys.has(key)) return new UniqueViolation({ constraint: `${name}_${key.split(":")[0]}_key` })
    table.rows.set(id, row)
    for (const key of uniqueKeys) table.keys.set(key, id)
    write(() => {
      table.rows.delete(id)
      for (const key of uniqueKeys) table.keys.delete(key)
    })
    return undefined
  }
  const insert = <K extends string, A>(table: Table<K, A>, name: string, id: K, row: A, uniqueKeys: ReadonlyArray<string> = []) =>
    Effect.suspend(() => {
      const violation = insertRow(table, name, id, row, uniqueKeys)
      return violation === undefined ? Effect.void : Effect.fail(violation)
    })

  /** Replaces a row; unique keys that change move with it. */
  const replace = <K extends string, A>(
    table: Table<K, A>,
    name: string,
    id: K,
    row: A,
    keysOf: (row: A) => ReadonlyArray<string> = () => []
  ): Effect.Effect<void, UniqueViolation> =>
    Effect.suspend(() => {
      const previous = table.rows.get(id)
      if (previous === undefined) return Effect.void
      const before = keysOf(previous)
      const after = keysOf(row)
      for (const key of after) {
        const holder = table.keys.get(key)
        if (holder !== undefined && holder !== id) return Effect.fail(new UniqueViolation({ constraint: `${name}_${key.split(":")[0]}_key` }))
      }
      for (const key of before) table.keys.delete(key)
      for (const key of after) table.keys.set(key, id)
      table.rows.set(id, row)
      write(() => {
        for (const key of after) table.keys.delete(key)
        for (const key of before) table.keys.set(key, id)
        table.rows.set(id, previous)
      })
      return Effect.void
    })

  const remove = <K extends string, A>(table: Table<K, A>, id: K, keysOf: (row: A) => ReadonlyArray<string> = () => []) =>
    Effect.sync(() => {
      const previous = table.rows.get(id)
      if (previous === undefined) return
      const keys = keysOf(previous)
      table.rows.delete(id)
      for (const key of keys) table.keys.delete(key)
      write(() => {
        table.rows.set(id, previous)
        for (const key of keys) table.keys.set(key, id)
      })
    })

  const lastSequence = <A extends { readonly agent_id: string; readonly sequence: number }>(table: Table<string, A>, agent: string) =>
    Effect.sync(() => {
      let last = 0
      for (const row of table.rows.values()) if (row.agent_id === agent && row.sequence > last) last = row.sequence
      return last
    })

  const insertSpans = (rows: ReadonlyArray<Span>): Effect.Effect<void, UniqueViolation> =>
    Effect.suspend(() => {
      // One undo step for the whole batch: ingest writes thousands of spans per second.
      const inserted: Array<Span> = []
      write(() => {
        for (const row of inserted) {
          data.spans.rows.delete(row.id)
          data.spansOf.get(row.agent_instance_id)?.pop()
        }
      })
      for (const row of rows) {
        if (data.spans.rows.has(row.id)) return Effect.fail(new UniqueViolation({ constraint: "agent_span_pkey" }))
        data.spans.rows.set(row.id, row)
        const ofInstance = data.spansOf.get(row.agent_instance_id)
        if (ofInstance === undefined) data.spansOf.set(row.agent_instance_id, [row.id])
        else ofInstance.push(row.id)
        inserted.push(row)
      }
      return Effect.void
    })

  const environmentKeys = (row: Environment) => [`name:${EnvironmentNs.environmentNameKey(row.name)}`]
  const agentKeys = (row: Agent) => (row.external_identifier === null ? [] : [`external_identifier:${row.external_identifier}`])
  const versionKeys = (row: { readonly agent_id: string; readonly fingerprint: string; readonly sequence: number }) => [
    `fingerprint:${row.agent_id}:${row.fingerprint}`,
    `sequence:${row.agent_id}:${row.sequence}`
  ]
  const deploymentKeys = (row: Deployment) => [`agent_environment:${row.agent_id}:${row.environment_id}`]

  return {
    account_id: account,

    exclusive: (name) =>
      Effect.uninterruptibleMask((restore) =>
        Effect.suspend(() => {
          if (data.undo === null) return Effect.dieMessage("a read asked for an exclusive turn")
          const turn = state.turns.get(name) ?? new Mutex()
          state.turns.set(name, turn)
          return restore(turn.acquire).pipe(
            // Once taken, the turn's release is registered before anything can interrupt.
            Effect.tap(() => {
              data.turns.push(() => {
                turn.release()
                if (!turn.busy) state.turns.delete(name)
              })
            })
          )
        })
      ),

    accounts: {
      get: (id) => Effect.sync(() => (id === account ? Option.fromNullable(state.accounts.get(id)) : Option.none())),
      insert: (row) =>
        Effect.suspend(() => {
          if (state.accounts.has(row.id)) return Effect.fail(new UniqueViolation({ constraint: "account_pkey" }))
          state.accounts.set(row.id, row)
          write(() => state.accounts.delete(row.id))
          return Effect.void
        })
    },

    environments: {
      get: (id) => get(data.environments, id),
      byNameKey: (key) => byKey(data.environments, `name:${key}`),
      insert: (row) => insert(data.environments, "environment", row.id, row, environmentKeys(row)),
      update: (row) => replace(data.environments, "environment", row.id, row, environmentKeys),
      remove: (id) => remove(data.environments, id, environmentKeys),
      list: (query) => Effect.sync(() => listOf(data.environments.rows.values(), () => true, query)),
      usage: (id) =>
        Effect.sync(() => {
          let deployments = 0
          let instances = 0
          for (const row of data.deployments.rows.values()) if (row.environment_id === id) deployments++
          for (const row of data.instances.rows.values()) if (row.environment_id === id) instances++
          return { deployments, instances }
        })
    },

    tokens: {
      get: (id) => get(data.tokens, id),
      insert: (row) =>
        Effect.suspend(() => {
          if (state.tokensByHash.has(row.secret_hash)) return Effect.fail(new UniqueViolation({ constraint: "api_token_secret_hash_key" }))
          return insert(data.tokens, "api_token", row.id, row).pipe(Effect.tap(() => {
            state.tokensByHash.set(row.secret_hash, row)
            write(() => state.tokensByHash.delete(row.secret_hash))
          }))
        }),
      update: (row) =>
        replace(data.tokens, "api_token", row.id, row).pipe(
          Effect.orDie,
          Effect.tap(() => {
            const previous = state.tokensByHash.get(row.secret_hash)
            state.tokensByHash.set(row.secret_hash, row)
            write(() => (previous === undefined ? state.tokensByHash.delete(row.secret_hash) : state.tokensByHash.set(row.secret_hash, previous)))
          })
        ),
      remove: (id) =>
        Effect.suspend(() => {
          const previous = data.tokens.rows.get(id)
          if (previous === undefined) return Effect.void
          state.tokensByHash.delete(previous.secret_hash)
          write(() => state.tokensByHash.set(previous.secret_hash, previous))
          return remove(data.tokens, id)
        }),
      list: (filter, query) =>
        Effect.sync(() =>
          listOf(
            data.tokens.rows.values(),
            (row) => filter.agent_deployment_id === undefined || row.agent_deployment_id === filter.agent_deployment_id,
            query
          )
        )
    },

    agents: {
      get: (id) => get(data.agents, id),
      lock: (id) => get(data.agents, id),
      byExternalIdentifier: (value) => byKey(data.agents, `external_identifier:${value}`),
      insert: (row) => insert(data.agents, "agent", row.id, row, agentKeys(row)),
      update: (row) => replace(data.agents, "agent", row.id, row, agentKeys).pipe(Effect.orDie),
      remove: (id) => remove(data.agents, id, agentKeys),
      list: (filter, query) =>
        Effect.sync(() =>
          listOf(
            data.agents.rows.values(),
            (row) =>
              (filter.risk_profile_id === undefined || row.risk_profile_id === filter.risk_profile_id) &&
              (filter.status === undefined || row.status === filter.status),
            query
          )
        ),
      instanceCount: (id) =>
        Effect.sync(() => {
          let count = 0
          for (const row of data.instances.rows.values()) if (row.agent_id === id) count++
          return count
        }),
      instanceTallies: (ids) => Effect.sync(() => Tallies.instanceTallies(data.instances.rows.values(), ids)),
      deploymentTallies: (ids) => Effect.sync(() => Tallies.agentTallies(data.deployments.rows.values(), ids))
    },

    schemaVersions: {
      get: (id) => get(data.schemaVersions, id),
      byFingerprint: (agent, fingerprint) => byKey(data.schemaVersions, `fingerprint:${agent}:${fingerprint}`),
      lastSequence: (agent) => lastSequence(data.schemaVersions, agent),
      insert: (row) => insert(data.schemaVersions, "agent_schema_version", row.id, row, versionKeys(row)),
      list: (agent, query) => Effect.sync(() => listOf(data.schemaVersions.rows.values(), (row) => row.agent_id === agent, query)),
      identifierTallies: (pairs) => Effect.sync(() => Tallies.identifierTallies(data.schemaVersions.rows.values(), pairs))
    },

    versions: {
      get: (id) => get(data.versions, id),
      byFingerprint: (agent, fingerprint) => byKey(data.versions, `fingerprint:${agent}:${fingerprint}`),
      lastSequence: (agent) => lastSequence(data.versions, agent),
      insert: (row) => insert(data.versions, "agent_version", row.id, row, versionKeys(row)),
      list: (agent, query) => Effect.sync(() => listOf(data.versions.rows.values(), (row) => row.agent_id === agent, query)),
      identifierTallies: (pairs) => Effect.sync(() => Tallies.identifierTallies(data.versions.rows.values(), pairs))
    },

    deployments: {
      get: (id) => get(data.deployments, id),
      for: (agent, environment) => byKey(data.deployments, `agent_environment:${agent}:${environment}`),
      insert: (row) => insert(data.deployments, "agent_deployment", row.id, row, deploymentKeys(row)),
      update: (row) => replace(data.deployments, "agent_deployment", row.id, row, deploymentKeys).pipe(Effect.orDie),
      remove: (id) =>
        remove(data.deployments, id, deploymentKeys).pipe(Effect.tap(() => {
          const history = data.history.get(id)
          if (history === undefined) return
          data.history.delete(id)
          write(() => data.history.set(id, history))
        })),
      list: (filter, query) =>
        Effect.sync(() =>
          listOf(
            data.deployments.rows.values(),
            (row) =>
              (filter.agent_id === undefined || row.agent_id === filter.agent_id) &&
              (filter.environment_id === undefined || row.environment_id === filter.environment_id),
            query
          )
        ),
      appendHistory: (entry) =>
        Effect.sync(() => {
          const history = data.history.get(entry.agent_deployment_id)
          if (history === undefined) data.history.set(entry.agent_deployment_id, [entry])
          else history.push(entry)
          write(() => {
            const current = data.history.get(entry.agent_deployment_id)
            current?.pop()
            if (current !== undefined && current.length === 0) data.history.delete(entry.agent_deployment_id)
          })
        }),
      history: (id) => Effect.sync(() => [...(data.history.get(id) ?? [])]),
      pointingAt: (versions) =>
        Effect.sync(() => {
          const wanted = new Set<string>(versions)
          return [...data.deployments.rows.values()].filter((row) => row.current_version_id !== null && wanted.has(row.current_version_id))
        }),
      pointingAtSchemas: (schemaVersions) =>
        Effect.sync(() =>
          Tallies.pointingAtSchemas(
            data.deployments.rows.values(),
            (version) => data.versions.rows.get(version)?.agent_schema_version_id,
            schemaVersions
          )
        )
    },

    instances: {
      get: (id) => get(data.instances, id),
      lock: (id) => get(data.instances, id),
      insert: (row) => insert(data.instances, "agent_instance", row.id, row),
      update: (row) => replace(data.instances, "agent_instance", row.id, row).pipe(Effect.orDie),
      list: (filter, query) =>
        Effect.sync(() =>
          listOf(
            data.instances.rows.values(),
            (row) =>
              (filter.agent_id === undefined || row.agent_id === filter.agent_id) &&
              (filter.agent_deployment_id === undefined || row.agent_deployment_id === filter.agent_deployment_id) &&
              (filter.agent_version_id === undefined || row.agent_version_id === filter.agent_version_id) &&
              (filter.environment_id === undefined || row.environment_id === filter.environment_id) &&
              (filter.status === undefined || row.status === filter.status),
            query
          )
        )
    },

    spans: {
      get: (id) => get(data.spans, id),
      insert: insertSpans,
      record: (spans, instances) =>
        Effect.zipRight(
          insertSpans(spans),
          Effect.forEach(instances, (row) => replace(data.instances, "agent_instance", row.id, row), { discard: true }).pipe(Effect.orDie)
        ),
      update: (rows) =>
        Effect.forEach(rows, (row) => replace(data.spans, "agent_span", row.id, row), { discard: true }).pipe(Effect.orDie),
      open: (instance) =>
        Effect.sync(() => spansOfInstance(data, instance).filter((row) => row.status === "pending" || row.status === "active")),
      ofInstance: (instance) => Effect.sync(() => spansOfInstance(data, instance)),
      list: (filter, query) =>
        Effect.sync(() => {
          const source = filter.agent_instance_id === undefined
            ? data.spans.rows.values()
            : spansOfInstance(data, filter.agent_instance_id)
          return listOf(source, (row) => {
            if (filter.agent_id !== undefined && row.agent_id !== filter.agent_id) return false
            const started = DateTime.toEpochMillis(row.started_at)
            if (filter.start_time !== undefined && started < filter.start_time) return false
            if (filter.end_time !== undefined && started >= filter.end_time) return false
            return true
          }, query)
        }),
      outlines: (instance, query) =>
        Effect.sync(() => {
          const page = listOf(spansOfInstance(data, instance), () => true, query)
          return { items: page.items.map(SpanOutline.outlineOf), total: page.total }
        }),
      tallies: (instance) => Effect.sync(() => Tallies.spanTallies(spansOfInstance(data, instance)))
    },

    riskProfiles: {
      get: (id) => get(data.profiles, id),
      insert: (row) => insert(data.profiles, "risk_profile", row.id, row),
      update: (row) => replace(data.profiles, "risk_profile", row.id, row).pipe(Effect.orDie),
      list: (query) => Effect.sync(() => listOf(data.profiles.rows.values(), () => true, query)),
      getRevision: (id) => get(data.revisions, id),
      insertRevision: (row) =>
        insert(data.revisions, "risk_profile_revision", row.id, row, [`revision:${row.risk_profile_id}:${row.revision}`]),
      revisions: (id) =>
        Effect.sync(() => [...data.revisions.rows.values()].filter((row) => row.risk_profile_id === id).sort((a, b) => a.revision - b.revision))
    },

    idempotency: {
      claim: (claim) =>
        Effect.sync(() => {
          // Records are kept in the order they were written, so the expired ones are a prefix:
          // each claim drops that prefix, and a key never used again does not stay forever.
          for (const [name, record] of data.idempotency) {
            if (record.recorded_at >= claim.expiredBefore) break
            data.idempotency.delete(name)
            write(() => data.idempotency.set(name, record))
          }
          return Option.fromNullable(data.idempotency.get(idempotencyName(claim.principal, claim.key)))
        }),
      record: (record) =>
        Effect.sync(() => {
          const name = idempotencyName(record.principal, record.key)
          data.idempotency.set(name, record)
          write(() => data.idempotency.delete(name))
        })
    }
  }
}

const spansOfInstance = (data: AccountData, instance: Ids.InstanceId): Array<Span> => {
  const out: Array<Span> = []
  for (const id of data.spansOf.get(instance) ?? []) {
    const row = data.spans.rows.get(id)
    if (row !== undefined) out.push(row)
  }
  return out
}

/** A key is its principal's: the map is keyed by both (JSON, so no text of one can pose as the other). */
const idempotencyName = (principal: string, key: string): string => JSON.stringify([principal, key])

/** A `LedgerStore` over the given state (a fresh one by default). */
const txOf = (state: MemoryState, account: Ids.AccountId, data: AccountData): StoreTx =>
  data.tx ??= makeTx(state, account, data)

const rollback = (undo: Undo) => {
  for (let i = undo.length - 1; i >= 0; i--) undo[i]?.()
}

/** One unit of work: the account's lock held, every write undone if the work fails. */
const transact = <A, E, R>(state: MemoryState, account: Ids.AccountId, work: (tx: StoreTx) => Effect.Effect<A, E, R>) =>
  Effect.suspend(() => {
    const data = dataOf(state, account)
    const undo: Undo = []
    return data.lock.with(
      Effect.suspend(() => {
        data.undo = undo
        return work(txOf(state, account, data))
      }),
      (exit) => {
        data.undo = null
        if (Exit.isFailure(exit)) rollback(undo)
        for (const release of data.turns.splice(0)) release()
      }
    )
  })

export const make = (state: MemoryState = makeState()): Context.Tag.Service<LedgerStore> => ({
  transact: (account, work) => transact(state, account, work),
  // The account's lock costs nothing here: ingest is an ordinary unit of work.
  append: (account, work) => transact(state, account, work),
  read: (account, work) =>
    Effect.suspend(() => {
      const data = dataOf(state, account)
      return data.lock.with(Effect.suspend(() => work(txOf(state, account, data))), () => undefined)
    }),
  tokenBySecretHash: (hash) => Effect.sync(() => Option.fromNullable(state.tokensByHash.get(hash))),
  idempotentAccount: (principal, key, expiredBefore) =>
    Effect.sync(() => {
      const name = idempotencyName(principal, key)
      for (const [account, data] of state.data) {
        const record = data.idempotency.get(name)
        if (record !== undefined && record.recorded_at >= expiredBefore) return Option.some(account)
      }
      return Option.none()
    }),
  isEmpty: Effect.sync(() => state.accounts.size === 0)
})

/** The in-memory store as a Layer: a fresh, empty store per build. */
export const layer: Layer.Layer<LedgerStore> = Layer.sync(LedgerStore, () => make())
