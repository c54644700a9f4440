/**
 * The reads of an agent's versions and schema versions: one by id, a page of an agent's, the
 * usages a page of them shows, and a version's risk under its agent's current profile. Both
 * kinds are created by a run's register (`Runs`) and never change.
 */
import { Effect, Option } from "effect"
import type { AgentId } from "../Ids.js"
import type { LedgerSession } from "../Ledger.js"
import { type IdentifierPair, sortFields, type StoreTx } from "../LedgerStore.js"
import * as Risk from "../Risk.js"
import * as RiskProfile from "../RiskProfile.js"
import * as SchemaVersion from "../SchemaVersion.js"
import * as Usage from "../Usage.js"
import { inPages, list } from "./Listing.js"
import type { Session } from "./Session.js"
import { useCase } from "./Tracing.js"

type VersionUseCases = Pick<
  LedgerSession,
  "getVersion" | "listVersions" | "getSchemaVersion" | "listSchemaVersions" | "versionUsage" | "schemaVersionUsage" | "getVersionRisk"
>

/** A version or schema version, as its usage is decided. */
interface Versioned<Id> {
  readonly id: Id
  readonly agent_id: AgentId
  readonly external_identifier: string | null
}

/** Where the usages of a page of one kind of version come from: two aggregates over the page. */
interface UsageSources<Id, D> {
  /** The deployments whose current version is (or uses) one of these. */
  readonly deployments: (ids: ReadonlyArray<Id>) => Effect.Effect<ReadonlyArray<D>>
  /** How many records of this kind carry each (agent, external identifier) pair. */
  readonly identifierTallies: (pairs: ReadonlyArray<IdentifierPair>) => Effect.Effect<ReadonlyArray<Usage.IdentifierTally>>
}

export const make = ({ load, work }: Session): VersionUseCases => {
  /** Each record's usage, a page at a time: a constant number of statements per page. */
  const usages = <Id, R extends Versioned<Id>, D>(
    records: ReadonlyArray<R>,
    sources: (tx: StoreTx) => UsageSources<Id, D>,
    decide: (
      page: ReadonlyArray<R>,
      deployments: ReadonlyArray<D>,
      identifiers: ReadonlyArray<Usage.IdentifierTally>
    ) => ReadonlyArray<Usage.VersionUsage>
  ) =>
    work.read((tx) => {
      const { deployments, identifierTallies } = sources(tx)
      return inPages(records, (page) =>
        Effect.map(
          Effect.all([deployments(page.map((record) => record.id)), identifierTallies(Usage.identifiersOf(page))], { concurrency: 2 }),
          ([pointing, identifiers]) => decide(page, pointing, identifiers)
        ))
    })

  return {
    getVersion: useCase("Ledger.getVersion", (id) => work.read((tx) => load.version(tx, id))),

    listVersions: useCase("Ledger.listVersions", (request) =>
      work.read((tx) =>
        load.agent(tx, request.agent_id).pipe(
          Effect.zipRight(list(request, sortFields.agent_version, "-sequence", (query) => tx.versions.list(request.agent_id, query)))
        )
      )),

    getSchemaVersion: useCase("Ledger.getSchemaVersion", (id) => work.read((tx) => load.schemaVersion(tx, id))),

    listSchemaVersions: useCase("Ledger.listSchemaVersions", (request) =>
      work.read((tx) =>
        load.agent(tx, request.agent_id).pipe(
          Effect.zipRight(list(request, sortFields.agent_schema_version, "-sequence", (query) => tx.schemaVersions.list(request.agent_id, query)))
        )
      )),

    versionUsage: useCase("Ledger.versionUsage", (records) =>
      usages(records, (tx) => ({ deployments: tx.deployments.pointingAt, identifierTallies: tx.versions.identifierTallies }), Usage.versionUsages)),

    schemaVersionUsage: useCase("Ledger.schemaVersionUsage", (records) =>
      usages(
        records,
        (tx) => ({ deployments: tx.deployments.pointingAtSchemas, identifierTallies: tx.schemaVersions.identifierTallies }),
        Usage.schemaVersionUsages
      )),

    getVersionRisk: useCase("Ledger.getVersionRisk", (id) =>
      work.read((tx) =>
        Effect.gen(function*() {
          const version = yield* load.version(tx, id)
          const agent = yield* load.agent(tx, version.agent_id)
          if (agent.risk_profile_id === null) return null
          const profile = yield* load.profile(tx, agent.risk_profile_id).pipe(Effect.orDie)
          const revisionId = Option.getOrNull(RiskProfile.activeRevision(profile))
          if (revisionId === null) return null
          const revision = yield* load.revision(tx, revisionId).pipe(Effect.orDie)
          const schemaVersion = yield* load.schemaVersion(tx, version.agent_schema_version_id).pipe(Effect.orDie)
          const schema = SchemaVersion.activitySchemaOf(schemaVersion)
          return {
            profile_revision_id: revision.id,
            theoretical: Risk.theoreticalRisk(schema, revision.rules),
            violations: Risk.agreedRiskViolations(schema, revision.rules)
          }
        })
      ))
  }
}
