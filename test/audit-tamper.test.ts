/**
 * The audit log's tamper evidence on the stores that can be edited behind the ledger's back: on a
 * real PostgreSQL server this file starts, and on embedded PGlite, events are edited, re-hashed,
 * deleted and renumbered with raw SQL, and `GET /api/v1/audit_event/verify` — over HTTP, as an
 * auditor calls it — names the event where the chain breaks, and why. The list still reads every
 * row (a tampered row is evidence, not a server error).
 */
import { Audit, type Ledger, LedgerStore } from "@agentledger/domain"
import { PgliteClient, PgStore } from "@agentledger/store-postgres"
import { startPostgres } from "@agentledger/testkit/postgres"
import { SqlClient } from "@effect/sql"
import { PgClient } from "@effect/sql-pg"
import { Context, Effect, Exit, Layer, Redacted, Schema, Scope } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningServer, startServer } from "./support/server.js"

/** The store and a raw connection to its database, for one file. */
interface Tampered {
  readonly server: RunningServer
  readonly sql: SqlClient.SqlClient
}

const Verification = Schema.Struct({ status: Schema.Literal("success"), details: Audit.Verification })
const EventList = Schema.Struct({ summaries: Schema.Array(Schema.Struct({ id: Schema.String, sequence: Schema.Number, hash: Schema.String })) })

const get = async (server: RunningServer, secret: string, path: string): Promise<unknown> => {
  const response = await fetch(`${server.url}/api/v1/${path}`, { headers: { authorization: `Bearer ${secret}` } })
  expect(response.status, path).toBe(200)
  return response.json()
}

const verify = async (server: RunningServer, secret: string) => Schema.decodeUnknownSync(Verification)(await get(server, secret, "audit_event/verify")).details

/** An account with six events: its opening, then five changes; its id, secret and events oldest first. */
const accountWithEvents = async (ledger: Context.Tag.Service<Ledger>, name: string) => {
  const created = await Effect.runPromise(ledger.createAccount({ name }))
  await Effect.runPromise(Effect.gen(function*() {
    const session = yield* ledger.authenticate(created.secret)
    const agent = yield* session.createAgent({ name: "Support bot" })
    yield* session.updateAgent(agent.id, { name: "Billing bot" })
    yield* session.retireAgent(agent.id)
    yield* session.createEnvironment({ name: "qa", purpose: "testing" })
    yield* session.createToken({ token_scope: "account" })
  }))
  return { id: created.account.id, secret: created.secret }
}

const tamperSuite = (name: string, acquire: () => Promise<{ readonly layer: Layer.Layer<LedgerStore | SqlClient.SqlClient>; readonly release?: () => void }>) =>
  describe(`the audit chain on ${name}, edited behind the ledger's back`, () => {
    let tampered: Tampered | undefined
    let scope: Scope.CloseableScope | undefined
    let release: (() => void) | undefined
    beforeAll(async () => {
      const acquired = await acquire()
      release = acquired.release
      scope = Effect.runSync(Scope.make())
      const context = await Effect.runPromise(Layer.buildWithScope(acquired.layer, scope))
      const server = await startServer({ store: Layer.succeed(LedgerStore, Context.get(context, LedgerStore)) })
      tampered = { server, sql: Context.get(context, SqlClient.SqlClient) }
    }, 120_000)
    afterAll(async () => {
      await tampered?.server.close()
      if (scope !== undefined) await Effect.runPromise(Scope.close(scope, Exit.void))
      release?.()
    }, 120_000)
    const the = (): Tampered => {
      if (tampered === undefined) throw new Error("the store is used before it was started")
      return tampered
    }
    const sql = (run: (sql: SqlClient.SqlClient) => Effect.Effect<unknown, unknown>) => Effect.runPromise(Effect.orDie(run(the().sql)))
    /** The account's events, oldest first, as the list route answers them. */
    const events = async (secret: string) =>
      Schema.decodeUnknownSync(EventList)(await get(the().server, secret, "audit_event?sorting=sequence&pagination[page_size]=100")).summaries

    it("an untouched chain verifies over all its events", async () => {
      const { secret } = await accountWithEvents(the().server.ledger, "Untouched")
      const all = await events(secret)
      expect(await verify(the().server, secret)).toEqual({
        valid: true,
        events: 6,
        first_mismatch: null,
        head: { sequence: 6, hash: all[5]?.hash }
      })
    })

    it("an event's content edited: named at its sequence, altered", async () => {
      const { id, secret } = await accountWithEvents(the().server.ledger, "Edited")
      await sql((s) => s`UPDATE audit_events SET after = jsonb_set(after, '{name}', '"Mallory"') WHERE account_id = ${id} AND sequence = 3`)
      const all = await events(secret)
      expect(await verify(the().server, secret)).toEqual({
        valid: false,
        events: 2,
        first_mismatch: { sequence: 3, id: all[2]?.id, reason: "altered" },
        head: { sequence: 2, hash: all[1]?.hash }
      })
    })

    it("an event's actor edited: named at its sequence, altered", async () => {
      const { id, secret } = await accountWithEvents(the().server.ledger, "Other actor")
      await sql((s) => s`UPDATE audit_events SET actor_id = 'someone else' WHERE account_id = ${id} AND sequence = 4`)
      expect((await verify(the().server, secret)).first_mismatch).toMatchObject({ sequence: 4, reason: "altered" })
    })

    it("an event edited and re-hashed: the next event's link names it", async () => {
      const { id, secret } = await accountWithEvents(the().server.ledger, "Forged")
      const all = await events(secret)
      // A forger who knows the rule: the edited event's own hash made to match its new content.
      const listed = await Effect.runPromise(Effect.gen(function*() {
        const session = yield* the().server.ledger.authenticate(secret)
        return yield* session.listAuditEvents({ offset: 0, page_size: 100, sorting: "sequence" })
      }))
      const original = listed.items[1]
      if (original === undefined) return expect.fail("the account has a second event")
      const forged = { ...original, after: { forged: true } }
      const hash = Audit.hashOf(forged)
      await sql((s) => s`UPDATE audit_events SET after = '{"forged": true}'::jsonb, hash = ${hash} WHERE account_id = ${id} AND sequence = 2`)
      expect((await verify(the().server, secret)).first_mismatch).toEqual({ sequence: 3, id: all[2]?.id, reason: "broken_link" })
    })

    it("an event deleted: the chain breaks where it was; the last one deleted: at the recorded head", async () => {
      const middle = await accountWithEvents(the().server.ledger, "Gap")
      const all = await events(middle.secret)
      await sql((s) => s`DELETE FROM audit_events WHERE account_id = ${middle.id} AND sequence = 4`)
      expect((await verify(the().server, middle.secret)).first_mismatch).toEqual({ sequence: 4, id: all[4]?.id, reason: "out_of_sequence" })

      const tail = await accountWithEvents(the().server.ledger, "Truncated")
      await sql((s) => s`DELETE FROM audit_events WHERE account_id = ${tail.id} AND sequence = 6`)
      expect(await verify(the().server, tail.secret)).toMatchObject({
        valid: false,
        events: 5,
        first_mismatch: { sequence: 6, id: null, reason: "head_mismatch" }
      })
    })

    it("two events swapped: named at the first of the two positions", async () => {
      const { id, secret } = await accountWithEvents(the().server.ledger, "Swapped")
      const all = await events(secret)
      // Through a free number: the key (account, sequence) holds at every step.
      await sql((s) => s`UPDATE audit_events SET sequence = 1000 WHERE account_id = ${id} AND sequence = 2`)
      await sql((s) => s`UPDATE audit_events SET sequence = 2 WHERE account_id = ${id} AND sequence = 3`)
      await sql((s) => s`UPDATE audit_events SET sequence = 3 WHERE account_id = ${id} AND sequence = 1000`)
      expect((await verify(the().server, secret)).first_mismatch).toMatchObject({ sequence: 2, id: all[2]?.id })
    })
  })

tamperSuite("PostgreSQL", async () => {
  const server = await startPostgres()
  const client = PgClient.layer({ url: Redacted.make(server.url), maxConnections: 4 })
  return { layer: PgStore.layer.pipe(Layer.provideMerge(client), Layer.orDie), release: server.stop }
})

tamperSuite("PGlite", async () => ({
  layer: PgStore.layer.pipe(Layer.provideMerge(PgliteClient.layer()), Layer.orDie)
}))
