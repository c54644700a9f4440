/**
 * Invariant 3: every form of one content reuses the version and the schema version; any change of
 * content makes new ones; another agent has its own.
 */
import type { ActivitySchema } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { Effect, FastCheck as fc } from "effect"
import * as Arbitraries from "../arbitraries/index.js"
import { everything, runCommand, tenant } from "../harness.js"
import { canonical } from "../reference.js"
import { renderSchema, renderVersion, schemaContentKey, versionContentKey, type VersionSpec } from "../specs.js"
import type { PropertyContext } from "./context.js"
import { changeSchema, changeVersion } from "./perturbations.js"

export const fingerprintProperties = <E>({ fresh, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "every form of the same content reuses the version and schema version; any change of content makes new ones",
    {
      schema: Arbitraries.schemaSpec,
      version: Arbitraries.versionSpec,
      forms: fc.array(fc.tuple(fc.nat(), fc.option(fc.constantFrom(...Arbitraries.agentNames), { nil: null })), { minLength: 2, maxLength: 5 }),
      change: fc.nat()
    },
    ({ change, forms, schema, version }) =>
      fresh(Effect.gen(function*() {
        const t = yield* tenant()
        const agent = yield* t.session.createAgent({ name: "Bot" })
        const register = (schemaInput: ActivitySchema.ActivitySchemaInput, versionSpec: VersionSpec, seed: number, name: string | null) =>
          t.session.registerRun(runCommand(agent.id, t.production.id, {
            version: renderVersion(versionSpec, { name, description: null }, seed),
            schema: schemaInput
          }))
        const runsOfForms = []
        for (const [seed, name] of forms) runsOfForms.push(yield* register(renderSchema(schema, seed), version, seed, name))
        const versionIds = new Set(runsOfForms.map((r) => r.agent_version_id))
        const schemaIds = new Set(runsOfForms.map((r) => r.agent_schema_version_id))
        expect(versionIds.size, "one version for every form of one content").toBe(1)
        expect(schemaIds.size, "one schema version for every form of one content").toBe(1)
        const first = runsOfForms[0]
        if (first === undefined) return
        const firstVersion = yield* t.session.getVersion(first.agent_version_id)
        expect(firstVersion.name, "the version keeps the display name of its first run").toBe(forms[0]?.[1] ?? null)

        // A change of the schema: a new schema version and a new version.
        const changedSchema = changeSchema(schema, change)
        expect(schemaContentKey(changedSchema)).not.toBe(schemaContentKey(schema))
        const changed = yield* register(renderSchema(changedSchema, change), version, change, null)
        expect(changed.agent_schema_version_id).not.toBe(first.agent_schema_version_id)
        expect(changed.agent_version_id).not.toBe(first.agent_version_id)
        // A change of the version metadata only: a new version on the same schema version.
        const changedVersion = changeVersion(version, change)
        expect(versionContentKey(changedVersion, "")).not.toBe(versionContentKey(version, ""))
        const moved = yield* register(renderSchema(schema, change + 1), changedVersion, change, null)
        expect(moved.agent_schema_version_id).toBe(first.agent_schema_version_id)
        expect(moved.agent_version_id).not.toBe(first.agent_version_id)
        // Another agent with the same content has its own records.
        const other = yield* t.session.createAgent({ name: "Other" })
        const theirs = yield* t.session.registerRun(runCommand(other.id, t.production.id, {
          version: renderVersion(version, { name: null, description: null }, 0),
          schema: renderSchema(schema, 0),
          update_current_version: false
        }))
        expect(theirs.agent_version_id).not.toBe(first.agent_version_id)

        const versions = yield* t.session.listVersions({ ...everything, agent_id: agent.id })
        expect(versions.items.map((v) => v.sequence).sort()).toEqual([1, 2, 3])
        const schemas = yield* t.session.listSchemaVersions({ ...everything, agent_id: agent.id })
        expect(schemas.items.map((s) => s.sequence).sort()).toEqual([1, 2])
        // Records are immutable.
        expect(canonical(yield* t.session.getVersion(first.agent_version_id))).toBe(canonical(firstVersion))
      })),
    { timeout, fastCheck: { numRuns: n(30) } }
  )
}
