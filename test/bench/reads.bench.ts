/**
 * Reads bounded by the page, on PGlite: each new read against the read it replaces, timed in
 * interleaved rounds on the same data (the figure is the median of the rounds' ratios, so a
 * busy machine slows both sides of a round alike).
 *
 * - A page of 25 agents with their views: the usages of the page (two aggregates) against the
 *   per-agent reads the view did before (a run count and a deployment count per agent, each a
 *   list of one: four statements per agent).
 * - A run of 2,000 spans with 1 KB payloads: a 25-span outline page against the whole timeline,
 *   and the risk report (a tally by type and status) against reading every span and breaking
 *   the risk down from them.
 */
import { Ids, Ledger, LedgerLive, type LedgerSession, Risk } from "@agentledger/domain"
import { PgStore } from "@agentledger/store-postgres"
import { Context, Effect, Exit, Layer, Scope } from "effect"
import { formatNs, formatRatio, printTable, type Verdict } from "./harness.js"

const agents = 50
const runsPerAgent = 3
const spans = 2_000
const rounds = 7

const median = (values: ReadonlyArray<number>) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN

const timed = async (work: () => Promise<unknown>): Promise<number> => {
  const start = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - start)
}

/** Times `before` and `after` in interleaved rounds; answers their medians and the median ratio. */
const paired = async (before: () => Promise<unknown>, after: () => Promise<unknown>) => {
  await before()
  await after()
  const a: Array<number> = []
  const b: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    a.push(await timed(before))
    b.push(await timed(after))
  }
  return { before: median(a), after: median(b), ratio: median(a.map((ns, i) => ns / (b[i] ?? Number.NaN))) }
}

const one = { offset: 0, page_size: 1 } as const

/** What the agent view read per agent before `agentUsage`: a list of one run and of one deployment. */
const perAgentViews = (session: LedgerSession, page: { readonly items: ReadonlyArray<{ readonly id: Ids.AgentId }> }) =>
  Effect.forEach(page.items, (agent) =>
    Effect.all([session.listInstances({ ...one, agent_id: agent.id }), session.listDeployments({ ...one, agent_id: agent.id })]))

export const runReadsBench = async (): Promise<ReadonlyArray<Verdict>> => {
  console.log("\n## Reads bounded by the page (store-postgres on PGlite)\n")
  const scope = Effect.runSync(Scope.make())
  const context = await Effect.runPromise(
    Layer.buildWithScope(LedgerLive.layer.pipe(Layer.provide(PgStore.layerPglite()), Layer.provide(Ids.IdEntropy.Live)), scope)
  )
  const ledger = Context.get(context, Ledger)
  const f = await Effect.runPromise(Effect.gen(function*() {
    const created = yield* ledger.createAccount({ name: "Bench" })
    const session = yield* ledger.authenticate(created.secret)
    const environment = (yield* session.listEnvironments({ offset: 0, page_size: 10 })).items[0]
    if (environment === undefined) return yield* Effect.dieMessage("no environment")
    for (let a = 0; a < agents; a++) {
      const agent = yield* session.createAgent({ name: `agent ${a}` })
      for (let r = 0; r < runsPerAgent; r++) {
        yield* session.registerRun({ agent_id: agent.id, environment_id: environment.id, update_current_version: true, purpose: "live" })
      }
    }
    const agent = yield* session.createAgent({ name: "long runner" })
    const run = yield* session.registerRun({ agent_id: agent.id, environment_id: environment.id, update_current_version: true, purpose: "live" })
    for (let b = 0; b < spans / 500; b++) {
      yield* session.recordSpans(Array.from({ length: 500 }, (_, i) => ({
        agent_instance_id: run.id,
        schema_name: i % 3 === 0 ? "llm" : "tool",
        status: "complete" as const,
        payload: { prompt: "p".repeat(1000), step: b * 500 + i },
        result_payload: { text: "r".repeat(200) }
      })))
    }
    return { session, run: run.id }
  }))
  const s = f.session
  const page = await Effect.runPromise(s.listAgents({ offset: 0, page_size: 25 }))

  const views = await paired(
    () => Effect.runPromise(perAgentViews(s, page)),
    () => Effect.runPromise(s.agentUsage(page.items))
  )
  const outline = await paired(
    () => Effect.runPromise(s.getTimeline(f.run)),
    () => Effect.runPromise(s.listSpanOutlines(f.run, { offset: 0, page_size: 25 }))
  )
  const report = await paired(
    () => Effect.runPromise(Effect.map(s.getTimeline(f.run), (timeline) => Risk.breakdown(timeline.spans.map((x) => x.span)))),
    () => Effect.runPromise(s.getRiskReport(f.run))
  )
  await Effect.runPromise(Scope.close(scope, Exit.void))

  printTable(["read", "before", "after", "before ÷ after (median of paired rounds)"], [
    ["a page of 25 agents' views", formatNs(views.before), formatNs(views.after), formatRatio(views.ratio)],
    [`a ${spans}-span run: whole timeline vs 25-span outline page`, formatNs(outline.before), formatNs(outline.after), formatRatio(outline.ratio)],
    [`a ${spans}-span run: every span + breakdown vs risk report`, formatNs(report.before), formatNs(report.after), formatRatio(report.ratio)]
  ])
  return [
    {
      module: "reads",
      target: "a page of 25 agents' views: page aggregates ≥ 3× faster than per-agent reads",
      measured: `${formatRatio(views.ratio)} (${formatNs(views.after)} vs ${formatNs(views.before)})`,
      pass: views.ratio >= 3
    },
    {
      module: "reads",
      target: `a 25-span outline page of a ${spans}-span run ≥ 10× faster than its whole timeline`,
      measured: `${formatRatio(outline.ratio)} (${formatNs(outline.after)} vs ${formatNs(outline.before)})`,
      pass: outline.ratio >= 10
    },
    {
      module: "reads",
      target: `the risk report of a ${spans}-span run ≥ 5× faster than reading its spans`,
      measured: `${formatRatio(report.ratio)} (${formatNs(report.after)} vs ${formatNs(report.before)})`,
      pass: report.ratio >= 5
    }
  ]
}
