/**
 * Units of work on PostgreSQL: one account's `StoreTx` (every concept's operations over one
 * scope of the `SqlClient`), run in a transaction (`transact`) or as reads of committed data
 * (`read`). The same operations, two of them replaced, make ingest's optimistic unit
 * (`ingest/Optimistic.ts`).
 */
import type { Ids, LedgerStore, StoreTx } from "@agentledger/domain"
import { type SqlClient, SqlError } from "@effect/sql"
import { type Context, Effect } from "effect"
import * as Accounts from "../tables/Accounts.js"
import { agents } from "./Agents.js"
import { audit } from "./Audit.js"
import { deployments } from "./Deployments.js"
import { environments } from "./Environments.js"
import { erasure, retention } from "./Erasure.js"
import { idempotency } from "./Idempotency.js"
import { instances } from "./Instances.js"
import { maskingPolicy } from "./MaskingPolicies.js"
import { riskProfiles } from "./RiskProfiles.js"
import { spans } from "./Spans.js"
import { insert, scope } from "./Statements.js"
import { tokens } from "./Tokens.js"
import { schemaVersions, versions } from "./Versions.js"

/** The first key of `StoreTx.exclusive`'s advisory locks (the second is the name's hash). */
const exclusiveSpace = 730_946_772

/**
 * Told of every run a unit of work locks or writes: ingest's memory of the runs it wrote last
 * (`ingest/WrittenRuns.ts`) no longer holds for it.
 */
export type Forget = (account: Ids.AccountId, id: Ids.InstanceId) => void

/** The account's operations. */
export const storeTx = (sql: SqlClient.SqlClient, account: Ids.AccountId, forget: Forget): StoreTx => {
  const within = scope(sql, account)
  const forgetRun = (id: Ids.InstanceId) => forget(account, id)
  const runs = instances(within, forgetRun)
  return {
    account_id: account,
    // A transaction-scoped advisory lock: released at COMMIT or ROLLBACK, and by the server if
    // the connection dies. Its own key space (two keys), apart from the migrations' one key.
    exclusive: (name) => sql`SELECT pg_advisory_xact_lock(${exclusiveSpace}, hashtext(${name}))`.pipe(Effect.asVoid, Effect.orDie),
    accounts: { insert: (row) => insert(within, Accounts, row) },
    environments: environments(within),
    tokens: tokens(within),
    agents: agents(within),
    schemaVersions: schemaVersions(within),
    versions: versions(within),
    deployments: deployments(within),
    instances: runs,
    spans: spans(within, runs, forgetRun),
    riskProfiles: riskProfiles(within),
    audit: audit(within),
    idempotency: idempotency(within),
    erasure: erasure(within, forgetRun),
    retention: retention(within),
    maskingPolicy: maskingPolicy(within)
  }
}

/** `LedgerStore.transact`: the work in one transaction, under READ COMMITTED. */
export const transact = (sql: SqlClient.SqlClient, forget: Forget): Context.Tag.Service<LedgerStore>["transact"] => (account, work) =>
  sql.withTransaction(Effect.suspend(() => work(storeTx(sql, account, forget)))).pipe(
    Effect.catchIf((error): error is SqlError.SqlError => error instanceof SqlError.SqlError, Effect.die)
  )

/** `LedgerStore.read`: the work's statements each on its own, seeing committed data only. */
export const read = (sql: SqlClient.SqlClient, forget: Forget): Context.Tag.Service<LedgerStore>["read"] => (account, work) =>
  Effect.suspend(() => work(storeTx(sql, account, forget)))
