/**
 * The risk profile use cases: create a profile, read and list profiles and their revisions, edit
 * one (a new revision becomes current; runs already scored keep theirs), delete one (it scores no
 * new run; its revisions stay).
 */
import { Effect } from "effect"
import * as Audit from "../Audit.js"
import * as Ids from "../Ids.js"
import { type LedgerSession, RiskProfileDetails } from "../Ledger.js"
import { sortFields, type StoreTx } from "../LedgerStore.js"
import * as RiskProfile from "../RiskProfile.js"
import { list } from "./Listing.js"
import { conflictOn, type Loads } from "./Loads.js"
import type { Session } from "./Session.js"
import { fromEither } from "./Shared.js"
import { useCase } from "./Tracing.js"

type RiskProfileUseCases = Pick<
  LedgerSession,
  "createRiskProfile" | "getRiskProfile" | "listRiskProfiles" | "listRiskProfileRevisions" | "updateRiskProfile" | "deleteRiskProfile"
>

/** A profile with its current revision, which always exists. */
const details = (load: Loads, tx: StoreTx, profile: RiskProfile.RiskProfile) =>
  load.revision(tx, profile.current_revision_id).pipe(
    Effect.orDie,
    Effect.map((revision) => RiskProfileDetails.make({ profile, revision }))
  )

/** Writes a profile's new revision (the store keeps one per number). */
const insertRevision = (tx: StoreTx, revised: RiskProfile.Revised) =>
  tx.riskProfiles.insertRevision(revised.revision).pipe(Effect.mapError(conflictOn("that revision exists")))

/** The audit log's id of a profile a mutation answers. */
const subject = (answer: RiskProfileDetails) => answer.profile.id

export const make = ({ account, load, principal, shared, work }: Session): RiskProfileUseCases => {
  const actor = Audit.ofToken(principal)
  return {
    createRiskProfile: useCase("Ledger.createRiskProfile", (input, options) =>
      work.mutate({ operation: "risk_profile.create", request: input, answer: RiskProfileDetails, options, subject }, (tx) =>
        Effect.gen(function*() {
          const at = yield* shared.now
          const name = yield* fromEither(RiskProfile.validateProfileName(input.name))
          const rules = yield* fromEither(RiskProfile.validateRules(input))
          const id = shared.newId(Ids.RiskProfileId, account, at)
          const created = RiskProfile.create({
            id,
            revision_id: shared.newId(Ids.RiskProfileRevisionId, account, at),
            account_id: account,
            name,
            description: input.description,
            rules,
            created_by: actor
          }, at)
          yield* tx.riskProfiles.insert(created.profile).pipe(Effect.mapError(conflictOn("that risk profile exists")))
          yield* insertRevision(tx, created)
          return created
        }))),

    getRiskProfile: useCase("Ledger.getRiskProfile", (id) =>
      work.read((tx) => load.profile(tx, id).pipe(Effect.flatMap((profile) => details(load, tx, profile))))),

    listRiskProfiles: useCase("Ledger.listRiskProfiles", (request) =>
      work.read((tx) => list(request, sortFields.risk_profile, "name", tx.riskProfiles.list))),

    listRiskProfileRevisions: useCase("Ledger.listRiskProfileRevisions", (id) =>
      work.read((tx) => load.profile(tx, id).pipe(Effect.zipRight(tx.riskProfiles.revisions(id))))),

    updateRiskProfile: useCase("Ledger.updateRiskProfile", (id, input, options) =>
      work.mutate({ operation: "risk_profile.update", request: { id, input }, answer: RiskProfileDetails, options, subject }, (tx, trail) =>
        Effect.gen(function*() {
          const at = yield* shared.now
          const profile = yield* load.profile(tx, id)
          yield* trail.before(RiskProfileDetails, yield* details(load, tx, profile))
          // A deleted profile answers that it is deleted, whatever the edit.
          yield* fromEither(RiskProfile.checkChangeable(profile, "edit"))
          const name = input.name === undefined ? undefined : yield* fromEither(RiskProfile.validateProfileName(input.name))
          const rules = yield* fromEither(RiskProfile.validateRules(input))
          const revised = yield* fromEither(RiskProfile.revise(profile, {
            revision_id: shared.newId(Ids.RiskProfileRevisionId, account, at),
            name,
            description: input.description,
            rules,
            created_by: actor
          }, at))
          yield* insertRevision(tx, revised)
          yield* tx.riskProfiles.update(revised.profile)
          return revised
        }))),

    deleteRiskProfile: useCase("Ledger.deleteRiskProfile", (id, options) =>
      work.mutate({ operation: "risk_profile.delete", request: { id }, answer: RiskProfileDetails, options, subject }, (tx, trail) =>
        Effect.gen(function*() {
          const at = yield* shared.now
          const profile = yield* load.profile(tx, id)
          yield* trail.before(RiskProfileDetails, yield* details(load, tx, profile))
          const deleted = yield* fromEither(RiskProfile.remove(profile, at))
          yield* tx.riskProfiles.update(deleted)
          return yield* details(load, tx, deleted)
        })))
  }
}

