/**
 * Environments (docs/domain.md "Environments"): names are 1–64 characters after trimming and
 * unique per account without regard to case; one in use is never deleted.
 */
import { describe, expect, it } from "@effect/vitest"
import { Either, FastCheck as fc, Option, Schema } from "effect"
import { Conflict, Environment, Ids } from "@agentledger/domain"
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

describe("environment records", () => {
  const account = idOf(Ids.AccountId, 0)
  const production = Environment.create(
    { id: idOf(Ids.EnvironmentId, 1), account_id: account, name: "production", purpose: "production" },
    at(0)
  )

  it("a new environment has no description unless given, and was inserted and updated now", () => {
    expect(production.description).toBeNull()
    expect(production.inserted_at).toEqual(at(0))
    expect(production.updated_at).toEqual(at(0))
    const described = Environment.create(
      { id: idOf(Ids.EnvironmentId, 2), account_id: account, name: "qa", purpose: "testing", description: "manual" },
      at(5)
    )
    expect([described.name, described.purpose, described.description]).toEqual(["qa", "testing", "manual"])
  })

  it("an edit changes what it names, keeps what it omits, and validates a new name", () => {
    const renamed = Either.getOrThrow(Environment.update(production, { name: "  live  " }, at(10)))
    expect([renamed.name, renamed.purpose, renamed.description]).toEqual(["live", "production", null])
    expect(renamed.inserted_at).toEqual(at(0))
    expect(renamed.updated_at).toEqual(at(10))
    const described = Either.getOrThrow(Environment.update(renamed, { purpose: "staging", description: "pre-release" }, at(20)))
    expect([described.name, described.purpose, described.description]).toEqual(["live", "staging", "pre-release"])
    const cleared = Either.getOrThrow(Environment.update(described, { description: null }, at(30)))
    expect(cleared.description).toBeNull()
    const refused = Environment.update(production, { name: "   " }, at(10))
    expect(Either.isLeft(refused) && refused.left._tag).toBe("InvalidInput")
  })

  it("a name is free unless another environment holds its key; renaming to one's own name is fine", () => {
    const other = Environment.create({ id: idOf(Ids.EnvironmentId, 3), account_id: account, name: "Staging", purpose: "staging" }, at(0))
    expect(Either.isRight(Environment.checkNameFree(Option.none(), null))).toBe(true)
    expect(Either.isRight(Environment.checkNameFree(Option.some(production), production.id))).toBe(true)
    const taken = Environment.checkNameFree(Option.some(other), production.id)
    expect(Either.isLeft(taken) && taken.left).toEqual(new Conflict({ message: `an environment named "Staging" exists` }))
    expect(Either.isLeft(Environment.checkNameFree(Option.some(other), null))).toBe(true)
  })
})
