/**
 * Version fingerprints (docs/domain.md "Versions", invariant 3): invariant under the order of
 * package lists and runtime keys, equal to SHA-256 of the RFC 8785 form, and sensitive to the
 * external identifier, the schema fingerprint and every runtime field — not to the display
 * fields.
 */
import { describe, expect, it } from "@effect/vitest"
import { FastCheck as fc, Schema } from "effect"
import { AgentVersion } from "@agentledger/domain"
import { jsonKey, runs, seededRandom, shuffle } from "./arbitraries.js"
import { referenceJcs, sha256 } from "./fixtures.js"

interface VersionSpec {
  readonly external_identifier: string | null
  readonly schema_fingerprint: string
  readonly prefactor_sdk: ReadonlyArray<string> | null | undefined
  readonly agent_sdk: ReadonlyArray<string> | null | undefined
  readonly runtime: string | null | undefined
  readonly os: string | null | undefined
}

const packageName = fc.oneof(
  fc.constantFrom("@prefactor/core@0.2.9", "langchain@0.3.1", "openai@4.0.0", "node@20.11.0", "a", "B"),
  fc.string({ minLength: 1, maxLength: 10 })
)
const packages = fc.option(fc.option(fc.uniqueArray(packageName, { maxLength: 5 }), { nil: null }), { nil: undefined })
const optionalNullable = fc.option(fc.option(fc.string({ maxLength: 10 }), { nil: null }), { nil: undefined })

const versionSpec: fc.Arbitrary<VersionSpec> = fc.record({
  external_identifier: fc.option(fc.string({ maxLength: 10 }), { nil: null }),
  schema_fingerprint: fc.stringMatching(/^[0-9a-f]{64}$/),
  prefactor_sdk: packages,
  agent_sdk: packages,
  runtime: optionalNullable,
  os: optionalNullable
})

const runtimeInput = (spec: VersionSpec, random: () => number): AgentVersion.RuntimeEnvironmentInput => {
  const input: Record<string, ReadonlyArray<string> | string | null> = {}
  const entries: Array<readonly [string, ReadonlyArray<string> | string | null | undefined]> = [
    ["prefactor_sdk", spec.prefactor_sdk === undefined || spec.prefactor_sdk === null ? spec.prefactor_sdk : shuffle(spec.prefactor_sdk, random)],
    ["agent_sdk", spec.agent_sdk === undefined || spec.agent_sdk === null ? spec.agent_sdk : shuffle(spec.agent_sdk, random)],
    ["runtime", spec.runtime],
    ["os", spec.os]
  ]
  for (const [key, value] of shuffle(entries, random)) {
    // An omitted field and an explicit null are the same content.
    if (value !== undefined) input[key] = value
    else if (random() < 0.5) input[key] = null
  }
  return Schema.decodeUnknownSync(AgentVersion.RuntimeEnvironmentInput)(input)
}

const versionFingerprintOf = (spec: VersionSpec, seed: number): string =>
  AgentVersion.versionFingerprint({
    external_identifier: spec.external_identifier,
    schema_fingerprint: spec.schema_fingerprint,
    runtime_environment: AgentVersion.normalizeRuntime(runtimeInput(spec, seededRandom(seed)))
  })

describe("AgentVersion.versionFingerprint", () => {
  it.prop(
    "package list order and runtime key order are irrelevant; the value is SHA-256 of the JCS form",
    [versionSpec, fc.integer(), fc.integer()],
    ([spec, seedA, seedB]) => {
      const a = versionFingerprintOf(spec, seedA)
      expect(versionFingerprintOf(spec, seedB)).toBe(a)
      const sortedOrNull = (list: ReadonlyArray<string> | null | undefined) =>
        list === undefined || list === null ? null : [...list].sort()
      expect(a).toBe(sha256(referenceJcs({
        external_identifier: spec.external_identifier,
        schema_fingerprint: spec.schema_fingerprint,
        runtime_environment: {
          prefactor_sdk: sortedOrNull(spec.prefactor_sdk),
          agent_sdk: sortedOrNull(spec.agent_sdk),
          runtime: spec.runtime ?? null,
          os: spec.os ?? null
        }
      })))
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  const versionFields = ["external_identifier", "schema_fingerprint", "prefactor_sdk", "agent_sdk", "runtime", "os"] as const
  const versionChange = fc.constantFrom(...versionFields)

  it.prop(
    "sensitive to the external identifier, the schema fingerprint and every runtime field",
    [versionSpec, versionChange, fc.integer()],
    ([spec, field, seed]) => {
      const addPackage = (list: ReadonlyArray<string> | null | undefined) =>
        [...(list ?? []), ...(list?.includes("extra~") === true ? ["extra~~"] : ["extra~"])]
      const changed: VersionSpec = field === "external_identifier"
        ? { ...spec, external_identifier: `${spec.external_identifier ?? ""}~` }
        : field === "schema_fingerprint"
        ? { ...spec, schema_fingerprint: (spec.schema_fingerprint.startsWith("0") ? "1" : "0") + spec.schema_fingerprint.slice(1) }
        : field === "prefactor_sdk" || field === "agent_sdk"
        ? { ...spec, [field]: addPackage(spec[field]) }
        : { ...spec, [field]: `${spec[field] ?? ""}~` }
      expect(versionFingerprintOf(changed, seed)).not.toBe(versionFingerprintOf(spec, seed))
    },
    { fastCheck: { numRuns: runs(200) } }
  )

  it("normalizeRuntime fills omitted fields with null and sorts package lists", () => {
    expect(AgentVersion.normalizeRuntime(undefined)).toEqual({ prefactor_sdk: null, agent_sdk: null, runtime: null, os: null })
    expect(AgentVersion.normalizeRuntime({ agent_sdk: ["b@1", "a@2"], os: "linux" }))
      .toEqual({ prefactor_sdk: null, agent_sdk: ["a@2", "b@1"], runtime: null, os: "linux" })
  })

  it.prop("name and description are display fields, not part of the fingerprint", [jsonKey], ([name]) => {
    const base = { external_identifier: "v1", schema_fingerprint: "f".repeat(64), runtime_environment: AgentVersion.normalizeRuntime({}) }
    const withDisplay = { ...base, name, description: `${name}!` }
    expect(AgentVersion.versionFingerprint(withDisplay)).toBe(AgentVersion.versionFingerprint(base))
  }, { fastCheck: { numRuns: runs(20) } })
})
