/**
 * Risk profiles: every edit makes a new immutable revision; a deleted profile is not edited
 * again; invalid rules are refused.
 */
import { equal } from "../invariants/checks.js"
import { at } from "../model.js"
import { referenceRules } from "../reference.js"
import { type Handler, type Handlers, nothing, perform } from "./plan.js"

const createRiskProfile: Handler<"CreateRiskProfile"> = (ctx, account, op) =>
  perform(ctx, account, op.keyed, {
    invariant: "risk",
    name: "createRiskProfile",
    errors: op.valid ? [] : ["InvalidInput"],
    call: (options) => account.session.createRiskProfile(op.input, options),
    update: (created) => {
      const rules = referenceRules(op.input)
      equal(ctx, "risk", "new risk profile", {
        revision: created.profile.revision,
        revision_number: created.revision.revision,
        current_revision_id: created.profile.current_revision_id,
        thresholds: created.revision.rules.thresholds
      }, { revision: 1, revision_number: 1, current_revision_id: created.revision.id, thresholds: rules.thresholds })
      account.profiles.push({
        id: created.profile.id,
        revision: 1,
        currentRevision: created.revision.id,
        rules,
        deleted: false,
        revisions: [created.revision.id]
      })
    }
  })

const updateRiskProfile: Handler<"UpdateRiskProfile"> = (ctx, account, op) => {
  const profile = at(account.profiles, op.profile)
  if (profile === undefined) return nothing
  const errors: Array<string> = []
  if (profile.deleted) errors.push("InvalidAction")
  if (!op.valid) errors.push("InvalidInput")
  return perform(ctx, account, op.keyed, {
    invariant: "risk",
    name: "updateRiskProfile",
    errors,
    call: (options) => account.session.updateRiskProfile(profile.id, op.input, options),
    update: (updated) => {
      if (profile.revisions.includes(updated.revision.id)) {
        ctx.violate("risk", `editing risk profile ${profile.id} reused revision ${updated.revision.id}`)
      }
      profile.revision++
      profile.currentRevision = updated.revision.id
      profile.rules = referenceRules(op.input)
      profile.revisions.push(updated.revision.id)
      equal(ctx, "risk", "edited risk profile", {
        revision: updated.profile.revision,
        revision_number: updated.revision.revision,
        current_revision_id: updated.profile.current_revision_id
      }, { revision: profile.revision, revision_number: profile.revision, current_revision_id: profile.currentRevision })
    }
  })
}

const deleteRiskProfile: Handler<"DeleteRiskProfile"> = (ctx, account, op) => {
  const profile = at(account.profiles, op.profile)
  if (profile === undefined) return nothing
  return perform(ctx, account, op.keyed, {
    invariant: "risk",
    name: "deleteRiskProfile",
    errors: profile.deleted ? ["InvalidAction"] : [],
    call: (options) => account.session.deleteRiskProfile(profile.id, options),
    update: () => {
      profile.deleted = true
    }
  })
}

export const riskProfileHandlers = {
  CreateRiskProfile: createRiskProfile,
  UpdateRiskProfile: updateRiskProfile,
  DeleteRiskProfile: deleteRiskProfile
} satisfies Partial<Handlers>
