/**
 * The set-up of every workload: at least two accounts, each with the docs' risk profile, two
 * agents (one scored by the profile) and a first run of the scored agent, so that spans have
 * somewhere to go from the first step.
 */
import { Effect, Option } from "effect"
import { docsProfile } from "../fixtures.js"
import { equal } from "../invariants/checks.js"
import { attempt, type LedgerService, type MAccount, ok, read, type RunState } from "../model.js"
import type { Workload } from "../ops.js"
import { runOp } from "./dispatch.js"

export const setUp = (ctx: RunState, workload: Workload): Effect.Effect<void> =>
  Effect.gen(function*() {
    const accounts = Math.max(2, workload.accounts)
    for (let index = 0; index < accounts; index++) {
      const account = yield* createAccount(ctx, ctx.ledger, index)
      if (Option.isNone(account)) return
      ctx.accounts.push(account.value)
    }
    const none: Workload = { accounts, schemas: [], versions: [], steps: [] }
    for (const account of ctx.accounts) {
      yield* runOp(ctx, none, {
        _tag: "CreateRiskProfile",
        account: account.index,
        keyed: false,
        input: docsProfile,
        valid: true
      })
      yield* runOp(ctx, none, {
        _tag: "CreateAgent",
        account: account.index,
        keyed: false,
        name: "Support bot",
        externalIdentifier: null,
        profile: 0
      })
      yield* runOp(ctx, none, {
        _tag: "CreateAgent",
        account: account.index,
        keyed: false,
        name: "Researcher",
        externalIdentifier: "research",
        profile: null
      })
      // A first run of the agent with the profile, so that spans have somewhere to go from the start.
      yield* runOp(ctx, workload, {
        _tag: "RegisterRun",
        account: account.index,
        keyed: false,
        via: "account",
        agent: 0,
        environment: 0,
        deployment: 0,
        schema: 0,
        version: 0,
        form: account.index,
        display: { name: "Support bot", description: null },
        updateCurrentVersion: true,
        purpose: "live",
        corrupt: false,
        clientId: "none"
      })
    }
  })

/** A new account, its session and its default environments, checked and modelled. */
const createAccount = (ctx: RunState, ledger: LedgerService, index: number): Effect.Effect<Option.Option<MAccount>> =>
  Effect.gen(function*() {
    const created = yield* attempt(ctx, "behaviour", "createAccount", ok, ledger.createAccount({ name: `Tenant ${index}` }))
    if (Option.isNone(created)) return Option.none()
    const session = yield* attempt(ctx, "behaviour", "authenticate (account token)", ok, ledger.authenticate(created.value.secret))
    if (Option.isNone(session)) return Option.none()
    equal(ctx, "tenancy", "principal of a new account's token", {
      account_id: session.value.principal.account_id,
      token_id: session.value.principal.token_id,
      token_scope: session.value.principal.token_scope
    }, { account_id: created.value.account.id, token_id: created.value.token.id, token_scope: "account" })
    const environments = yield* read(ctx, "behaviour", "listEnvironments", session.value.listEnvironments({ offset: 0, page_size: 100, sorting: "name" }))
    if (Option.isNone(environments)) return Option.none()
    equal(ctx, "behaviour", "default environments of a new account", environments.value.items.map((e) => e.name), [
      "development",
      "production",
      "staging"
    ])
    return Option.some({
      index,
      id: created.value.account.id,
      session: session.value,
      environments: environments.value.items.map((e) => ({ id: e.id, name: e.name })),
      profiles: [],
      agents: [],
      deployments: [],
      instances: [],
      tokens: [{ id: created.value.token.id, secret: created.value.secret, scope: "account", deployment: null, status: "active", expired: false, main: true }],
      deletedSecrets: [],
      deploymentSessions: new Map(),
      lastRisk: new Map()
    })
  })
