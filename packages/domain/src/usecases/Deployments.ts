/**
 * The deployment use cases: create a deployment, read and list them, point one at a version or
 * roll it back, delete one no run is stamped with. A deployment changes under its agent's lock,
 * as a run's register does, so one (agent, environment) never gets two deployments and a pointer
 * never moves under a concurrent register.
 */
import { type DateTime, Effect, Either, Option } from "effect"
import type { MutationOptions } from "../Commands.js"
import * as ApiToken from "../ApiToken.js"
import * as Audit from "../Audit.js"
import * as Deployment from "../Deployment.js"
import * as Ids from "../Ids.js"
import { DeploymentDetails, type LedgerSession } from "../Ledger.js"
import { sortFields, type StoreTx } from "../LedgerStore.js"
import { list } from "./Listing.js"
import { conflictOn, everything, justCount, underParentLock } from "./Loads.js"
import type { Session } from "./Session.js"
import { fromEither } from "./Shared.js"
import { useCase } from "./Tracing.js"

type DeploymentUseCases = Pick<
  LedgerSession,
  "createDeployment" | "getDeployment" | "listDeployments" | "updateDeployment" | "rollbackDeployment" | "deleteDeployment"
>

/** Moves a deployment's pointer and records the move in its history; a move to where it points is no move. */
export const move = (tx: StoreTx, moved: Deployment.PointerMove) =>
  Effect.gen(function*() {
    if (Option.isNone(moved.entry)) return moved.deployment
    yield* tx.deployments.update(moved.deployment)
    yield* tx.deployments.appendHistory(moved.entry.value)
    return moved.deployment
  })

export const details = (tx: StoreTx, deployment: Deployment.Deployment) =>
  tx.deployments.history(deployment.id).pipe(Effect.map((history) => DeploymentDetails.make({ deployment, history })))

/** The audit log's id of a deployment a mutation answers. */
const subject = (answer: DeploymentDetails) => answer.deployment.id

export const make = ({ account, load, principal, shared, work }: Session): DeploymentUseCases => {
  const by: Deployment.MovedBy = { actor: Audit.ofToken(principal), agent_instance_id: null }

  /**
   * A use case that moves a deployment's pointer where `decide` says, deciding on the deployment
   * as it is under its agent's lock.
   */
  const repoint = <E>(
    operation: string,
    request: unknown,
    options: MutationOptions | undefined,
    id: Ids.DeploymentId,
    decide: (tx: StoreTx, current: Deployment.Deployment, at: DateTime.Utc) => Effect.Effect<Deployment.PointerMove, E>
  ) =>
    work.mutate({ operation, request, answer: DeploymentDetails, options, subject }, (tx, trail) =>
      Effect.gen(function*() {
        const at = yield* shared.now
        const current = yield* underParentLock(
          load.deployment(tx, id),
          (deployment) => load.lockAgent(tx, deployment.agent_id),
          () => load.deployment(tx, id)
        )
        yield* trail.before(DeploymentDetails, yield* details(tx, current))
        return yield* details(tx, yield* move(tx, yield* decide(tx, current, at)))
      }))

  return {
    createDeployment: useCase("Ledger.createDeployment", (input, options) =>
      work.mutate({ operation: "agent_deployment.create", request: input, answer: DeploymentDetails, options, subject }, (tx) =>
        Effect.gen(function*() {
          const at = yield* shared.now
          yield* load.lockAgent(tx, input.agent_id)
          yield* load.environment(tx, input.environment_id)
          yield* fromEither(Deployment.checkUnique(yield* tx.deployments.for(input.agent_id, input.environment_id)))
          const deployment = Deployment.create({
            id: yield* shared.chooseId(Ids.DeploymentId, account, at, input.id),
            account_id: account,
            agent_id: input.agent_id,
            environment_id: input.environment_id
          }, at)
          yield* tx.deployments.insert(deployment).pipe(Effect.mapError(conflictOn("that deployment exists")))
          const target = input.current_version_id ?? null
          const placed = target === null
            ? deployment
            : yield* move(tx, yield* fromEither(Deployment.movePointer(deployment, yield* load.version(tx, target), "api", at, by)))
          return yield* details(tx, placed)
        }))),

    getDeployment: useCase("Ledger.getDeployment", (id) =>
      work.read((tx) => load.deployment(tx, id).pipe(Effect.flatMap((deployment) => details(tx, deployment))))),

    listDeployments: useCase("Ledger.listDeployments", (request) =>
      work.read((tx) =>
        list(request, sortFields.agent_deployment, "-id", (query) =>
          tx.deployments.list({ agent_id: request.agent_id, environment_id: request.environment_id }, query))
      )),

    updateDeployment: useCase("Ledger.updateDeployment", (id, input, options) =>
      repoint("agent_deployment.update", { id, input }, options, id, (tx, current, at) =>
        Effect.gen(function*() {
          const target = input.current_version_id === null ? null : yield* load.version(tx, input.current_version_id)
          return yield* fromEither(Deployment.movePointer(current, target, "api", at, by))
        }))),

    rollbackDeployment: useCase("Ledger.rollbackDeployment", (id, input, options) =>
      repoint("agent_deployment.rollback", { id, input }, options, id, (tx, current, at) =>
        Effect.gen(function*() {
          const currentVersion = current.current_version_id === null ? null : yield* load.version(tx, current.current_version_id)
          const target = yield* load.version(tx, input.version_id)
          return yield* fromEither(Deployment.rollback(current, currentVersion, target, at, by))
        }))),

    deleteDeployment: useCase("Ledger.deleteDeployment", (id, options) =>
      shared.tokensChanged(work.mutate({
        operation: "agent_deployment.delete",
        request: { id },
        answer: Deployment.Deployment,
        options,
        subject: (deployment) => deployment.id,
        removes: true
      }, (tx) =>
        Effect.gen(function*() {
          const deployment = yield* load.deployment(tx, id)
          yield* fromEither(Deployment.checkDeletable(deployment, (yield* tx.instances.list({ agent_deployment_id: id }, justCount)).total))
          // Its tokens stop working with it: they are revoked, not left pointing at nothing.
          const at = yield* shared.now
          const tokens = yield* tx.tokens.list({ agent_deployment_id: id }, everything)
          for (const token of tokens.items) {
            const revoked = ApiToken.revoke(token, at)
            if (Either.isRight(revoked)) yield* tx.tokens.update(revoked.right)
          }
          yield* tx.deployments.remove(id)
          return deployment
        }))))
  }
}
