/**
 * The environment use cases: create, read, list, edit and delete an account's environments.
 * Names are unique per account without regard to case (`Environment.checkNameFree`, backed by the
 * store's unique rule); one in use is never deleted (`Environment.checkDeletable`).
 */
import { Effect } from "effect"
import * as Environment from "../Environment.js"
import * as Ids from "../Ids.js"
import type { LedgerSession } from "../Ledger.js"
import { sortFields, type StoreTx } from "../LedgerStore.js"
import { list } from "./Listing.js"
import { conflictOn } from "./Loads.js"
import type { Session } from "./Session.js"
import { fromEither } from "./Shared.js"
import { useCase } from "./Tracing.js"

type EnvironmentUseCases = Pick<
  LedgerSession,
  "createEnvironment" | "getEnvironment" | "listEnvironments" | "updateEnvironment" | "deleteEnvironment"
>

/** Fails when another environment holds the name's key. */
const checkNameFree = (tx: StoreTx, name: string, except: Ids.EnvironmentId | null) =>
  Effect.flatMap(
    tx.environments.byNameKey(Environment.environmentNameKey(name)),
    (existing) => fromEither(Environment.checkNameFree(existing, except))
  )

/** The audit log's id of an environment a mutation answers. */
const subject = (environment: Environment.Environment) => environment.id

export const make = ({ account, load, shared, work }: Session): EnvironmentUseCases => ({
  createEnvironment: useCase("Ledger.createEnvironment", (input, options) =>
    work.mutate({ operation: "environment.create", request: input, answer: Environment.Environment, options, subject }, (tx) =>
      Effect.gen(function*() {
        const name = yield* fromEither(Environment.validateEnvironmentName(input.name))
        const at = yield* shared.now
        yield* checkNameFree(tx, name, null)
        const id = yield* shared.chooseId(Ids.EnvironmentId, account, at, input.id)
        const environment = Environment.create({ id, account_id: account, name, purpose: input.purpose, description: input.description }, at)
        yield* tx.environments.insert(environment).pipe(Effect.mapError(conflictOn("that environment exists")))
        return environment
      }))),

  getEnvironment: useCase("Ledger.getEnvironment", (id) => work.read((tx) => load.environment(tx, id))),

  listEnvironments: useCase("Ledger.listEnvironments", (request) =>
    work.read((tx) => list(request, sortFields.environment, "name", tx.environments.list))),

  updateEnvironment: useCase("Ledger.updateEnvironment", (id, input, options) =>
    work.mutate({ operation: "environment.update", request: { id, input }, answer: Environment.Environment, options, subject }, (tx, trail) =>
      Effect.gen(function*() {
        const environment = yield* load.environment(tx, id)
        yield* trail.before(Environment.Environment, environment)
        const next = yield* fromEither(Environment.update(environment, input, yield* shared.now))
        yield* checkNameFree(tx, next.name, id)
        yield* tx.environments.update(next).pipe(Effect.mapError(conflictOn("that environment name is taken")))
        return next
      }))),

  deleteEnvironment: useCase("Ledger.deleteEnvironment", (id, options) =>
    work.mutate({ operation: "environment.delete", request: { id }, answer: Environment.Environment, options, subject, removes: true }, (tx) =>
      Effect.gen(function*() {
        const environment = yield* load.environment(tx, id)
        yield* fromEither(Environment.checkDeletable(environment, yield* tx.environments.usage(id)))
        yield* tx.environments.remove(id)
        return environment
      })))
})
