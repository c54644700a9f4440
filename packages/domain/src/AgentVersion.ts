/**
 * Agent versions, created automatically: a run that reports version metadata and an activity
 * schema not seen before for its agent creates a version; a combination seen before reuses it.
 * The fingerprint is SHA-256 of the JCS-canonical {external_identifier, schema fingerprint,
 * runtime environment (sorted)}; `name` and `description` are display fields kept from the
 * first run and are not part of it. Versions are immutable.
 */
import { type DateTime, Schema } from "effect"
import { fingerprintOf } from "./Digest.js"
import { AccountId, AgentId, AgentVersionId, SchemaVersionId } from "./Ids.js"

const Packages = Schema.NullOr(Schema.Array(Schema.String))

export const RuntimeEnvironment = Schema.Struct({
  prefactor_sdk: Packages,
  agent_sdk: Packages,
  runtime: Schema.NullOr(Schema.String),
  os: Schema.NullOr(Schema.String)
}).annotations({ identifier: "RuntimeEnvironment" })
export type RuntimeEnvironment = typeof RuntimeEnvironment.Type

export const RuntimeEnvironmentInput = Schema.Struct({
  prefactor_sdk: Schema.optional(Packages),
  agent_sdk: Schema.optional(Packages),
  runtime: Schema.optional(Schema.NullOr(Schema.String)),
  os: Schema.optional(Schema.NullOr(Schema.String))
})
export type RuntimeEnvironmentInput = typeof RuntimeEnvironmentInput.Type

/** The `agent_version` block of a register call. */
export const VersionMetadataInput = Schema.Struct({
  external_identifier: Schema.optional(Schema.NullOr(Schema.String)),
  name: Schema.optional(Schema.NullOr(Schema.String)),
  description: Schema.optional(Schema.NullOr(Schema.String)),
  runtime_environment: Schema.optional(Schema.NullOr(RuntimeEnvironmentInput))
}).annotations({ identifier: "VersionMetadataInput" })
export type VersionMetadataInput = typeof VersionMetadataInput.Type

const sorted = (packages: ReadonlyArray<string> | null | undefined) =>
  packages === null || packages === undefined ? null : [...packages].sort()

/** Every field present, package lists sorted: the order a client lists them in is not content. */
export const normalizeRuntime = (input: RuntimeEnvironmentInput | null | undefined): RuntimeEnvironment => ({
  prefactor_sdk: sorted(input?.prefactor_sdk),
  agent_sdk: sorted(input?.agent_sdk),
  runtime: input?.runtime ?? null,
  os: input?.os ?? null
})

export const versionFingerprint = (input: {
  readonly external_identifier: string | null
  readonly schema_fingerprint: string
  readonly runtime_environment: RuntimeEnvironment
}): string =>
  fingerprintOf({
    external_identifier: input.external_identifier,
    schema_fingerprint: input.schema_fingerprint,
    runtime_environment: input.runtime_environment
  })

export class AgentVersion extends Schema.Class<AgentVersion>("AgentVersion")({
  id: AgentVersionId,
  account_id: AccountId,
  agent_id: AgentId,
  /** 1, 2, 3… per agent, in order of creation. */
  sequence: Schema.Int,
  external_identifier: Schema.NullOr(Schema.String),
  name: Schema.NullOr(Schema.String),
  description: Schema.NullOr(Schema.String),
  agent_schema_version_id: SchemaVersionId,
  runtime_environment: RuntimeEnvironment,
  fingerprint: Schema.String,
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/**
 * The next version of an agent: `sequence` follows the agent's last one; the display fields
 * come from the first run that reports this content.
 */
export const create = (
  fields: {
    readonly id: AgentVersionId
    readonly account_id: AccountId
    readonly agent_id: AgentId
    readonly sequence: number
    readonly metadata: VersionMetadataInput
    readonly agent_schema_version_id: SchemaVersionId
    readonly runtime_environment: RuntimeEnvironment
    readonly fingerprint: string
  },
  now: DateTime.Utc
): AgentVersion =>
  new AgentVersion({
    id: fields.id,
    account_id: fields.account_id,
    agent_id: fields.agent_id,
    sequence: fields.sequence,
    external_identifier: fields.metadata.external_identifier ?? null,
    name: fields.metadata.name ?? null,
    description: fields.metadata.description ?? null,
    agent_schema_version_id: fields.agent_schema_version_id,
    runtime_environment: fields.runtime_environment,
    fingerprint: fields.fingerprint,
    inserted_at: now,
    updated_at: now
  }, true)

/**
 * How many versions of the agent share this one's `external_identifier` (itself included): more
 * than one shows that the identifier alone did not name the content — the schema or runtime
 * changed under the same label.
 */
export const identifierRepeats = (
  version: { readonly external_identifier: string | null },
  versions: ReadonlyArray<{ readonly external_identifier: string | null }>
): number => versions.filter((other) => other.external_identifier === version.external_identifier).length
