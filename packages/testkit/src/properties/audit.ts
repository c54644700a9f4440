/**
 * The audit log's property: over a random workload (every command of the model-based property),
 * each account's log holds exactly one event per successful mutation that was not a replay of
 * its key — by the token that made it, the account's opening by the operator — none for ingest
 * (spans, and runs registered, started and finished) beyond a deployment a run's registration
 * created or moved, and its chain verifies over every event.
 *
 * The ledger under test is wrapped: every successful call of a mutating use case is noted with
 * its action and its token, the calls that replayed a key set aside. The workload runs as the
 * model-based property runs it, on that wrapped ledger; the notes are then compared with the
 * logs, read as multisets of "action by actor".
 */
import { type Commands, Ledger, type LedgerSession } from "@agentledger/domain"
import { expect, it } from "@effect/vitest"
import { Context, Effect, Layer } from "effect"
import * as Arbitraries from "../arbitraries/index.js"
import { everything } from "../fixtures.js"
import { expectNoViolations } from "../harness.js"
import type { LedgerService } from "../model.js"
import { runWorkload } from "../workload/index.js"
import type { PropertyContext } from "./context.js"

/**
 * A deployment a run's registration created or moved is recorded as `agent_deployment.create`
 * or `.update`: which of the two is not what the calls say, so both read as one action here.
 */
const deploymentChange = "agent_deployment.create|update"
const normalized = (action: string) =>
  action === "agent_deployment.create" || action === "agent_deployment.update" ? deploymentChange : action

/** What the wrapped ledger saw, per account. */
class Notes {
  /** Expected events per account, as `action by actor`. */
  readonly expected = new Map<string, Array<string>>()
  /** A session of each account's own token, for reading its log at the end. */
  readonly readers = new Map<string, LedgerSession>()
  /** Keys (per token) whose first call succeeded: a later success is a replay. */
  private readonly keys = new Set<string>()

  note(account: string, action: string, actor: string): void {
    const list = this.expected.get(account) ?? []
    list.push(`${normalized(action)} by ${actor}`)
    this.expected.set(account, list)
  }

  /** Notes a successful call, unless it replayed a key. */
  called(principal: LedgerSession["principal"], action: string, options: Commands.MutationOptions | undefined): void {
    const key = options?.idempotencyKey
    if (key !== undefined) {
      const name = JSON.stringify([principal.token_id, key])
      if (this.keys.has(name)) return
      this.keys.add(name)
    }
    this.note(principal.account_id, action, principal.token_id)
  }
}

/** The session with each audited mutation noted on success. */
const recording = (session: LedgerSession, notes: Notes): LedgerSession => {
  const { principal } = session
  const noted = <Args extends ReadonlyArray<unknown>, A, E>(
    call: (...args: Args) => Effect.Effect<A, E>,
    action: string,
    optionsOf: (args: Args) => Commands.MutationOptions | undefined
  ) =>
  (...args: Args): Effect.Effect<A, E> => Effect.tap(call(...args), () => notes.called(principal, action, optionsOf(args)))
  const second = <Args extends ReadonlyArray<unknown>>(args: Args): Commands.MutationOptions | undefined => {
    const options = args[1]
    return typeof options === "object" && options !== null && "idempotencyKey" in options && typeof options.idempotencyKey === "string"
      ? { idempotencyKey: options.idempotencyKey }
      : undefined
  }
  const third = <Args extends ReadonlyArray<unknown>>(args: Args) => second(args.slice(1))
  return {
    ...session,
    createEnvironment: noted(session.createEnvironment, "environment.create", second),
    updateEnvironment: noted(session.updateEnvironment, "environment.update", third),
    deleteEnvironment: noted(session.deleteEnvironment, "environment.delete", second),
    createToken: noted(session.createToken, "api_token.create", second),
    suspendToken: noted(session.suspendToken, "api_token.suspend", second),
    activateToken: noted(session.activateToken, "api_token.activate", second),
    revokeToken: noted(session.revokeToken, "api_token.revoke", second),
    expireToken: noted(session.expireToken, "api_token.expire", second),
    deleteToken: noted(session.deleteToken, "api_token.delete", second),
    createAgent: noted(session.createAgent, "agent.create", second),
    updateAgent: noted(session.updateAgent, "agent.update", third),
    retireAgent: noted(session.retireAgent, "agent.retire", second),
    reinstateAgent: noted(session.reinstateAgent, "agent.reinstate", second),
    deleteAgent: noted(session.deleteAgent, "agent.delete", second),
    terminateRun: noted(session.terminateRun, "agent_instance.terminate", third),
    createDeployment: noted(session.createDeployment, "agent_deployment.create", second),
    updateDeployment: noted(session.updateDeployment, "agent_deployment.update", third),
    rollbackDeployment: noted(session.rollbackDeployment, "agent_deployment.rollback", third),
    deleteDeployment: noted(session.deleteDeployment, "agent_deployment.delete", second),
    createRiskProfile: noted(session.createRiskProfile, "risk_profile.create", second),
    updateRiskProfile: noted(session.updateRiskProfile, "risk_profile.update", third),
    deleteRiskProfile: noted(session.deleteRiskProfile, "risk_profile.delete", second)
  }
}

/** The ledger with every session recording, and each new account noted (and a reader kept). */
const recordingLedger = (ledger: LedgerService, notes: Notes): LedgerService => ({
  ...ledger,
  createAccount: (input) =>
    Effect.tap(ledger.createAccount(input), (created) =>
      Effect.map(ledger.authenticate(created.secret), (reader) => {
        notes.note(created.account.id, "account.create", "operator")
        notes.readers.set(created.account.id, reader)
      }).pipe(Effect.orDie)),
  authenticate: (secret) => Effect.map(ledger.authenticate(secret), (session) => recording(session, notes))
})

interface Page<A> {
  readonly items: ReadonlyArray<A>
  readonly pagination: { readonly next_page_offset: number | null }
}

/** Every item of a paged read. */
const allPages = <A, E>(read: (offset: number) => Effect.Effect<Page<A>, E>) =>
  Effect.gen(function*() {
    const items: Array<A> = []
    let offset: number | null = 0
    while (offset !== null) {
      const page: Page<A> = yield* read(offset)
      items.push(...page.items)
      offset = page.pagination.next_page_offset
    }
    return items
  })

/** What an account's log holds, as `action by actor`, and the deployments runs moved. */
const logOf = (reader: LedgerSession) =>
  Effect.gen(function*() {
    const events = yield* allPages((offset) => reader.listAuditEvents({ ...everything, offset, sorting: "sequence" }))
    const deployments = yield* allPages((offset) => reader.listDeployments({ ...everything, offset }))
    const moves: Array<string> = []
    for (const deployment of deployments) {
      for (const entry of (yield* reader.getDeployment(deployment.id)).history) {
        if (entry.cause === "run") moves.push(`${deploymentChange} by ${entry.actor?.id ?? "nobody"}`)
      }
    }
    return {
      events,
      actual: events.map((event) => `${normalized(event.action)} by ${event.actor.type === "operator" ? "operator" : event.actor.id ?? "nobody"}`),
      moves,
      verification: yield* reader.verifyAuditChain()
    }
  })

const sorted = (items: ReadonlyArray<string>) => [...items].sort()

export const auditProperties = <E>({ makeLayer, runs: n, timeout }: PropertyContext<E>): void => {
  it.live.prop(
    "every successful mutation of a random workload is one event of its account, by its actor; replays, refusals and ingest none; the chain verifies",
    { workload: Arbitraries.workload({ minSteps: 25, maxSteps: 50 }) },
    ({ workload }) =>
      Effect.scoped(Effect.gen(function*() {
        const ledger = Context.get(yield* Layer.build(makeLayer()), Ledger)
        const notes = new Notes()
        const report = yield* runWorkload(() => Layer.succeed(Ledger, recordingLedger(ledger, notes)), workload, { sweep: "end" })
        expectNoViolations(report)
        expect(notes.readers.size).toBeGreaterThanOrEqual(2)
        for (const [account, reader] of notes.readers) {
          const log = yield* logOf(reader)
          expect(log.events.every((event) => event.account_id === account)).toBe(true)
          expect(sorted(log.actual), `the log of account ${account}`).toEqual(sorted([...(notes.expected.get(account) ?? []), ...log.moves]))
          expect(log.verification).toEqual({
            valid: true,
            events: log.events.length,
            first_mismatch: null,
            head: { sequence: log.events.length, hash: log.events[log.events.length - 1]?.hash }
          })
        }
      })),
    { timeout, fastCheck: { numRuns: n(6) } }
  )
}
