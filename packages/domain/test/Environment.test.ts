/**
 * Environments (docs/domain.md "Environments"): names are 1–64 characters after trimming and
 * unique per account without regard to case; one in use is never deleted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Schema } from "effect"
import { Environment, Ids } from "@agentledger/domain"
import { runs } from "./arbitraries.js"
import { at, idOf } from "./fixtures.js"

const padding = fc.constantFrom("", " ", "  ", "\t", "\n ", "\u00a0")

describe("environment names", () => {
  it("examples", () => {
    expect(Environment.validateEnvironmentName("  production  ")).toEqual(Either.right("production"))
    expect(Environment.validateEnvironmentName("x".repeat(64))).toEqual(Either.right("x".repeat(64)))
    expect(Environment.validateEnvironmentName(` ${"x".repeat(64)} `)).toEqual(Either.right("x".repeat(64)))
    for (const bad of ["", "   ", "\t\n", "x".repeat(65)]) {
      const result = Environment.validateEnvironmentName(bad)
      expect(Either.isLeft(result) && result.left._tag).toBe("InvalidInput")
    }
    expect(Environment.environmentNameKey(" Production ")).toBe(Environment.environmentNameKey("production"))
    expect(Environment.environmentNameKey("Staging")).not.toBe(Environment.environmentNameKey("Staging 2"))
  })

  it.prop(
    "accepted exactly when 1–64 characters remain after trimming; the trimmed name is kept",
    [fc.string({ maxLength: 70, size: "max" }), padding, padding],
    ([core, before, after]) => {
      const trimmed = core.trim()
      const result = Environment.validateEnvironmentName(before + core + after)
      if (trimmed.length >= 1 && trimmed.length <= 64) expect(result).toEqual(Either.right(trimmed))
      else expect(Either.isLeft(result)).toBe(true)
    },
    { fastCheck: { numRuns: runs(300) } }
  )

  it.prop(
    "the uniqueness key ignores case and surrounding blanks, and nothing else",
    [fc.string({ minLength: 1, maxLength: 20 }), fc.string({ minLength: 1, maxLength: 20 }), padding],
    ([a, b, pad]) => {
      const upper = a.toUpperCase()
      expect(Environment.environmentNameKey(pad + upper + pad)).toBe(Environment.environmentNameKey(a.toLowerCase()))
      if (a.trim().toLowerCase() !== b.trim().toLowerCase()) {
        expect(Environment.environmentNameKey(a)).not.toBe(Environment.environmentNameKey(b))
      }
    },
    { fastCheck: { numRuns: runs(300) } }
  )
})

describe("environments", () => {
  const environment = new Environment.Environment({
    id: idOf(Ids.EnvironmentId, 1),
    account_id: idOf(Ids.AccountId, 0),
    name: "production",
    purpose: "production",
    description: null,
    inserted_at: at(0),
    updated_at: at(0)
  })

  it.prop(
    "an environment is deletable exactly when no deployment or instance uses it",
    [fc.nat({ max: 3 }), fc.nat({ max: 3 })],
    ([deployments, instances]) => {
      const result = Environment.checkDeletable(environment, { deployments, instances })
      expect(Either.isRight(result)).toBe(deployments === 0 && instances === 0)
      if (Either.isLeft(result)) expect(result.left._tag).toBe("Conflict")
    },
    { fastCheck: { numRuns: runs(30) } }
  )

  it("every account starts with development, staging and production; purpose is one of four", () => {
    expect(Environment.defaultEnvironments.map((e) => [e.name, e.purpose])).toEqual([
      ["development", "development"],
      ["staging", "staging"],
      ["production", "production"]
    ])
    expect(Environment.EnvironmentPurpose.literals).toEqual(["development", "staging", "testing", "production"])
    expect(Either.isLeft(Schema.decodeUnknownEither(Environment.EnvironmentPurpose)("prod"))).toBe(true)
  })
})
