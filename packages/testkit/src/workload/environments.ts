/**
 * Environments: names trimmed, 1–64 characters, unique per account without regard to case; an
 * environment in use (by a deployment or an instance) is not deleted.
 */
import { equal } from "../invariants/checks.js"
import { at } from "../model.js"
import { type Handler, type Handlers, nothing, perform } from "./plan.js"

const validName = (name: string): boolean => name.length > 0 && name.length <= 64

const createEnvironment: Handler<"CreateEnvironment"> = (ctx, account, op) => {
  const name = op.input.name.trim()
  const errors: Array<string> = []
  if (!validName(name)) errors.push("InvalidInput")
  else if (account.environments.some((e) => e.name.toLowerCase() === name.toLowerCase())) errors.push("Conflict")
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: "createEnvironment",
    errors,
    call: (options) => account.session.createEnvironment(op.input, options),
    update: (created) => {
      equal(ctx, "behaviour", "created environment", {
        name: created.name,
        purpose: created.purpose,
        account_id: created.account_id
      }, { name, purpose: op.input.purpose, account_id: account.id })
      account.environments.push({ id: created.id, name: created.name })
    }
  })
}

const updateEnvironment: Handler<"UpdateEnvironment"> = (ctx, account, op) => {
  const environment = at(account.environments, op.environment)
  if (environment === undefined) return nothing
  const name = op.input.name?.trim()
  const errors: Array<string> = []
  if (name !== undefined) {
    if (!validName(name)) errors.push("InvalidInput")
    else if (account.environments.some((e) => e !== environment && e.name.toLowerCase() === name.toLowerCase())) errors.push("Conflict")
  }
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: "updateEnvironment",
    errors,
    call: (options) => account.session.updateEnvironment(environment.id, op.input, options),
    update: (updated) => {
      if (name !== undefined) environment.name = name
      equal(ctx, "behaviour", "updated environment's name", updated.name, environment.name)
    }
  })
}

const deleteEnvironment: Handler<"DeleteEnvironment"> = (ctx, account, op) => {
  const environment = at(account.environments, op.environment)
  if (environment === undefined) return nothing
  const used = account.deployments.some((d) => d.environment === environment.id) ||
    account.instances.some((i) => i.environment === environment.id)
  return perform(ctx, account, op.keyed, {
    invariant: "behaviour",
    name: "deleteEnvironment",
    errors: used ? ["Conflict"] : [],
    call: (options) => account.session.deleteEnvironment(environment.id, options),
    update: () => {
      account.environments.splice(account.environments.indexOf(environment), 1)
    }
  })
}

export const environmentHandlers = {
  CreateEnvironment: createEnvironment,
  UpdateEnvironment: updateEnvironment,
  DeleteEnvironment: deleteEnvironment
} satisfies Partial<Handlers>
