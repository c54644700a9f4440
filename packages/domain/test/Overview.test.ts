/**
 * The overview folded from the store's aggregate rows (docs/domain.md, "Reviewing runs"): per
 * agent and in total, every status and level present (zero when none), runs without a profile
 * under `none`, agents by name with their status as a reader sees it now, an agent without runs
 * shown with zeros, and at most ten runs needing attention.
 */
import { describe, expect, it } from "@effect/vitest"
import { DateTime } from "effect"
import { Ids, Overview } from "@agentledger/domain"
import { at, idOf, makeInstance } from "./fixtures.js"

const zero = { pending: 0, active: 0, complete: 0, failed: 0, cancelled: 0, terminated: 0 }
const unleveled = { low: 0, medium: 0, high: 0, critical: 0, none: 0 }

describe("Overview.summarize", () => {
  const bot = { agent_id: idOf(Ids.AgentId, 2), name: "Bot", status: "active", last_run_at: at(0) } as const
  const idle = { agent_id: idOf(Ids.AgentId, 1), name: "Idle", status: "pending", last_run_at: null } as const
  const rows: ReadonlyArray<Overview.OverviewRow> = [
    { ...bot, cell: { status: "complete", risk_level: "high", flagged: true, count: 3 } },
    { ...idle, cell: null },
    { ...bot, cell: { status: "complete", risk_level: null, flagged: false, count: 2 } },
    { ...bot, cell: { status: "active", risk_level: "low", flagged: false, count: 1 } }
  ]

  it("counts each agent's cells and the totals; an agent without runs shows zeros", () => {
    const overview = Overview.summarize(rows, [], at(-1000), at(0))
    expect(overview.agents).toEqual([
      {
        agent_id: bot.agent_id, name: "Bot", status: "active", runs_by_status: { ...zero, complete: 5, active: 1 },
        runs_by_risk_level: { ...unleveled, high: 3, none: 2, low: 1 }, flagged_runs: 3
      },
      { agent_id: idle.agent_id, name: "Idle", status: "pending", runs_by_status: zero, runs_by_risk_level: unleveled, flagged_runs: 0 }
    ])
    expect([overview.runs_by_status, overview.runs_by_risk_level, overview.flagged_runs]).toEqual([
      { ...zero, complete: 5, active: 1 },
      { ...unleveled, high: 3, none: 2, low: 1 },
      3
    ])
    expect(overview.since).toEqual(at(-1000))
  })

  it("shows an agent's status as a reader sees it now: an agent quiet for 30 days is dormant", () => {
    const later = DateTime.unsafeMake(at(0).epochMillis + 31 * 86_400_000)
    expect(Overview.summarize(rows, [], at(0), later).agents.map((a) => a.status)).toEqual(["dormant", "pending"])
  })

  it("shows at most ten runs needing attention, in the order given", () => {
    const runs = Array.from({ length: 12 }, (_, n) => makeInstance({ n: n + 1 }))
    expect(Overview.summarize([], runs, at(0), at(0)).recent_attention.map((r) => r.id)).toEqual(runs.slice(0, 10).map((r) => r.id))
  })

  it("looks back a day unless the request names a time", () => {
    expect(Overview.sinceOf({}, at(0)).epochMillis).toBe(at(0).epochMillis - 86_400_000)
    expect(Overview.sinceOf({ since: at(-5) }, at(0))).toEqual(at(-5))
  })
})
