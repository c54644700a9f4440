/**
 * Environments: named delivery stages shared by all agents of an account. Names are 1–64
 * characters after trimming and unique per account without regard to case; deleting one that
 * deployments or instances refer to is refused, so history is never orphaned.
 */
import { type DateTime, Either, Option, Schema } from "effect"
import { Conflict, InvalidInput } from "./Errors.js"
import { AccountId, EnvironmentId } from "./Ids.js"

export const EnvironmentPurpose = Schema.Literal("development", "staging", "testing", "production")
export type EnvironmentPurpose = typeof EnvironmentPurpose.Type

export class Environment extends Schema.Class<Environment>("Environment")({
  id: EnvironmentId,
  account_id: AccountId,
  name: Schema.String,
  purpose: EnvironmentPurpose,
  description: Schema.NullOr(Schema.String),
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

export const maxEnvironmentNameLength = 64

/** The trimmed name, or why it is not acceptable. */
export const validateEnvironmentName = (name: string): Either.Either<string, InvalidInput> => {
  const trimmed = name.trim()
  return trimmed.length >= 1 && trimmed.length <= maxEnvironmentNameLength
    ? Either.right(trimmed)
    : Either.left(InvalidInput.field("name", `must be 1–${maxEnvironmentNameLength} characters after trimming`))
}

/** The key under which names are unique: trimmed and lower-cased. */
export const environmentNameKey = (name: string): string => name.trim().toLowerCase()

/** A new environment, from a validated name. */
export const create = (
  fields: {
    readonly id: EnvironmentId
    readonly account_id: AccountId
    readonly name: string
    readonly purpose: EnvironmentPurpose
    readonly description?: string | null | undefined
  },
  now: DateTime.Utc
): Environment =>
  new Environment({
    id: fields.id,
    account_id: fields.account_id,
    name: fields.name,
    purpose: fields.purpose,
    description: fields.description ?? null,
    inserted_at: now,
    updated_at: now
  }, true)

/** What an edit may change; an omitted field stays, a null description clears it. */
export interface Changes {
  readonly name?: string | undefined
  readonly purpose?: EnvironmentPurpose | undefined
  readonly description?: string | null | undefined
}

/** The environment after an edit, its new name validated as on create. */
export const update = (environment: Environment, changes: Changes, now: DateTime.Utc): Either.Either<Environment, InvalidInput> => {
  const name = changes.name === undefined ? Either.right(environment.name) : validateEnvironmentName(changes.name)
  return Either.map(name, (name) =>
    new Environment({
      ...environment,
      name,
      purpose: changes.purpose ?? environment.purpose,
      description: changes.description === undefined ? environment.description : changes.description,
      updated_at: now
    }, true))
}

/**
 * A name is free when no environment holds its key (`existing`, looked up by
 * `environmentNameKey`), or the one holding it is the environment being renamed (`except`).
 */
export const checkNameFree = (existing: Option.Option<Environment>, except: EnvironmentId | null): Either.Either<void, Conflict> =>
  Option.isSome(existing) && existing.value.id !== except
    ? Either.left(new Conflict({ message: `an environment named "${existing.value.name}" exists` }))
    : Either.void

/** The environments every new account starts with. */
export const defaultEnvironments: ReadonlyArray<{ readonly name: string; readonly purpose: EnvironmentPurpose }> = [
  { name: "development", purpose: "development" },
  { name: "staging", purpose: "staging" },
  { name: "production", purpose: "production" }
]

/** An environment that deployments or instances refer to is kept. */
export const checkDeletable = (
  environment: Environment,
  usage: { readonly deployments: number; readonly instances: number }
): Either.Either<void, Conflict> =>
  usage.deployments === 0 && usage.instances === 0
    ? Either.void
    : Either.left(
      new Conflict({
        message: `environment ${environment.id} is used by ${usage.deployments} deployment(s) and ${usage.instances} instance(s); it cannot be deleted`
      })
    )
