/**
 * The factories of records built once per creation: an account, a schema version, a version.
 * Each record is built in one place, from values already validated.
 */
import { describe, expect, it } from "@effect/vitest"
import { Account, ActivitySchema, AgentVersion, Ids, SchemaVersion } from "@agentledger/domain"
import { at, idOf, partition, schemaOf } from "./fixtures.js"

describe("record factories", () => {
  const account_id = idOf(Ids.AccountId, 0)
  const agent_id = idOf(Ids.AgentId, 1)

  it("an account carries its partition and was inserted and updated now", () => {
    expect(Account.create({ id: account_id, name: "acme", partition }, at(3))).toEqual(
      new Account.Account({ id: account_id, name: "acme", partition, inserted_at: at(3), updated_at: at(3) })
    )
  })

  it("a schema version holds the schema as fingerprinted, with its definitions' checks", () => {
    const schema = schemaOf([{ name: "lookup" }], "schema-1")
    const version = SchemaVersion.create(
      {
        id: idOf(Ids.SchemaVersionId, 2),
        account_id,
        agent_id,
        sequence: 4,
        schema,
        definition_checks: {},
        fingerprint: ActivitySchema.schemaFingerprint(schema)
      },
      at(5)
    )
    expect(SchemaVersion.activitySchemaOf(version)).toEqual(schema)
    expect([version.sequence, version.fingerprint, version.inserted_at, version.updated_at])
      .toEqual([4, ActivitySchema.schemaFingerprint(schema), at(5), at(5)])
  })

  it("a version takes its display fields from the run's metadata, absent ones null", () => {
    const runtime = AgentVersion.normalizeRuntime({ runtime: "node" })
    const fields = {
      id: idOf(Ids.AgentVersionId, 3),
      account_id,
      agent_id,
      sequence: 2,
      agent_schema_version_id: idOf(Ids.SchemaVersionId, 2),
      runtime_environment: runtime,
      fingerprint: "fp"
    }
    const named = AgentVersion.create({ ...fields, metadata: { external_identifier: "v2", name: "two", description: "second" } }, at(6))
    expect([named.external_identifier, named.name, named.description, named.runtime_environment]).toEqual(["v2", "two", "second", runtime])
    const bare = AgentVersion.create({ ...fields, metadata: {} }, at(6))
    expect([bare.external_identifier, bare.name, bare.description, bare.inserted_at]).toEqual([null, null, null, at(6)])
  })
})
