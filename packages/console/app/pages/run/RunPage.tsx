/**
 * A run: its header (status, times, risk, Terminate, Redact payloads, Delete run, the chart of its
 * spans over time), its stamps, and the Activity, Risk and Details tabs. A run deleted here leaves
 * a page that says it is gone and leads back to the runs list. The run and the first page of its span outline
 * are read at once, so the tree paints as soon as both are in; the rest of the outline follows
 * (`Outline.ts`), and the chart is read only once the first page is in, so that it never delays
 * the tree.
 */
import { useMemo, useState } from "preact/hooks"
import { runWindow } from "../../api/Activity.js"
import { details } from "../../api/Page.js"
import { type Instance, instance as readInstance, isOpen } from "../../api/Runs.js"
import { isAccount, type Session } from "../../session/Session.js"
import { auditHref, navigate, runHref } from "../../Router.js"
import { LevelBadge, StatusBadge } from "../../ui/Badges.js"
import { Failed, Loading } from "../../ui/Feedback.js"
import { count, dateTime, duration, millisBetween, points, shortId, words } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"
import { Tabs } from "../../ui/Tabs.js"
import { ActivityPanel } from "../ActivityPanel.js"
import { Activity } from "./Activity.js"
import { DeleteRun, RedactRun, spanCount } from "./Erase.js"
import { useOutline } from "./Outline.js"
import { RiskTab } from "./RiskTab.js"
import { Stamps } from "./Stamps.js"
import { Terminate } from "./Terminate.js"

type TabId = "activity" | "risk" | "details"

const tabs = [
  { id: "activity", label: "Activity" },
  { id: "risk", label: "Risk" },
  { id: "details", label: "Details" }
] as const

const tabOf = (query: URLSearchParams): TabId => {
  const tab = query.get("tab")
  return tab === "risk" || tab === "details" ? tab : "activity"
}

const placeholder: Instance = {
  id: "",
  agent_id: "",
  agent_version_id: "",
  agent_schema_version_id: "",
  environment_id: "",
  agent_deployment_id: null,
  status: "pending",
  purpose: "live",
  reported_by: null,
  started_at: null,
  finished_at: null,
  termination_reason: null,
  span_counts: {},
  conformance_counts: { conforms: 0, flagged: 0 },
  risk_profile_revision_id: null,
  risk: null,
  redacted_at: null,
  inserted_at: "",
  updated_at: ""
}

/** When the run ran, as the platform's header strip says it. */
const when = (run: Instance): string =>
  run.started_at === null
    ? "Ready to start (registered, not started)"
    : run.finished_at === null
    ? `Running since ${dateTime(run.started_at)}`
    : `${dateTime(run.started_at)} → ${dateTime(run.finished_at)} (${duration(millisBetween(run.started_at, run.finished_at))})`

/** The chart of the run's spans over its time (its last day, when longer), once the tree's first page is in. */
const RunChart = ({ session, run, round, ready }: { readonly session: Session; readonly run: Instance; readonly round: number; readonly ready: boolean }) => {
  // The window is fixed when the run (or a refresh) is read: an open run's ends at that moment.
  const query = useMemo(() => ({ agent_instance_id: run.id, ...runWindow(run, Date.now()) }), [run.id, run.inserted_at, run.started_at, run.finished_at, round])
  return ready
    ? <ActivityPanel session={session} query={query} title="Spans over time" round={round} />
    : <p class="loading activity">The chart of spans over time follows the tree…</p>
}

const DetailsTab = ({ run }: { readonly run: Instance }) => (
  <dl class="facts">
    <dt>Run id</dt>
    <dd><code>{run.id}</code></dd>
    <dt>Registered</dt>
    <dd>{dateTime(run.inserted_at)}</dd>
    <dt>Last updated</dt>
    <dd>{dateTime(run.updated_at)}</dd>
    <dt>Started</dt>
    <dd>{dateTime(run.started_at)}</dd>
    <dt>Finished</dt>
    <dd>{dateTime(run.finished_at)}</dd>
    <dt>Spans by status</dt>
    <dd>{Object.entries(run.span_counts).map(([status, n]) => `${words(status)} ${count(n)}`).join(" · ")}</dd>
    <dt>Conformance</dt>
    <dd>{count(run.conformance_counts.conforms)} conform · {count(run.conformance_counts.flagged)} flagged</dd>
    {run.termination_reason === null ? null : (
      <>
        <dt>Termination reason</dt>
        <dd>{run.termination_reason}</dd>
      </>
    )}
  </dl>
)

/** What is left of a run deleted here: that it is gone, and the way back. */
const Gone = ({ run }: { readonly run: Instance }) => (
  <section>
    <h1>Run <code title={run.id}>{shortId(run.id)}</code> deleted</h1>
    <p role="status">
      The run <code>{run.id}</code> is gone: it was deleted with {spanCount(run)}, and no page or API route holds it any more.
    </p>
    <p>
      <Link to="/runs">Back to the runs list</Link> · <Link to={auditHref({ entity: "agent_instance", entity_id: run.id })}>Its deletion in the audit log</Link>
    </p>
  </section>
)

export const RunPage = ({ session, id, query }: { readonly session: Session; readonly id: string; readonly query: URLSearchParams }) => {
  const [round, setRound] = useState(0)
  const [deleted, setDeleted] = useState<Instance | null>(null)
  const loaded = useAnswer(() => session.client.get(`/agent_instance/${encodeURIComponent(id)}`, details(readInstance, placeholder)), [session, id, round])
  const outline = useOutline(session.client, id, round)
  const tab = tabOf(query)
  const selected = query.get("span")
  useTitle(`Run ${shortId(id)}`)
  const go = (changes: { readonly tab?: TabId; readonly span?: string | null }) => {
    const nextTab = changes.tab ?? tab
    const nextSpan = changes.span === undefined ? selected : changes.span
    navigate(runHref(id, { tab: nextTab === "activity" ? undefined : nextTab, span: nextSpan ?? undefined }), { replace: true })
  }
  if (deleted !== null && deleted.id === id) return <Gone run={deleted} />
  if (loaded.state._tag === "Loading") return <Loading what="the run" />
  if (loaded.state._tag === "Failed") return <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read this run" />
  const run = loaded.state.value
  return (
    <article class="run">
      <header class="page-head">
        <div>
          <h1>Run <code title={run.id}>{shortId(run.id)}</code></h1>
          <p class="strip">
            <StatusBadge status={run.status} /> <span>{when(run)}</span>
            {run.risk === null
              ? <LevelBadge level={null} />
              : <span>risk <strong>{points(run.risk.total)}</strong> <LevelBadge level={run.risk.level} /></span>}
            <span>{count(run.span_counts["total"] ?? 0)} spans, {count(run.conformance_counts.flagged)} flagged</span>
          </p>
          {run.termination_reason === null ? null : <p class="notice">Terminated: {run.termination_reason}</p>}
          {run.redacted_at === null ? null : (
            <p class="notice redacted">
              Payloads redacted {dateTime(run.redacted_at)}: every span's inputs and outputs now read <code>{`{"redacted": true}`}</code>; its
              structure, statuses, conformance and risk are as recorded.
            </p>
          )}
        </div>
        <div class="actions">
          <button type="button" onClick={() => setRound((n) => n + 1)}>Refresh</button>
          {isAccount(session) && isOpen(run.status) ? <Terminate session={session} runId={run.id} onDone={() => setRound((n) => n + 1)} /> : null}
          {isAccount(session) && !isOpen(run.status) && run.redacted_at === null
            ? <RedactRun session={session} run={run} onRedacted={() => setRound((n) => n + 1)} />
            : null}
          {isAccount(session) ? <DeleteRun session={session} run={run} onDeleted={setDeleted} /> : null}
        </div>
      </header>
      <RunChart session={session} run={run} round={round} ready={outline.total !== null || outline.failure !== null} />
      <Stamps session={session} run={run} />
      <Tabs label="Run" tabs={tabs} selected={tab} onSelect={(next) => go({ tab: next })}>
        {tab === "activity"
          ? <Activity session={session} instance={run} outline={outline} selected={selected} onSelect={(span) => go({ span })} />
          : tab === "risk"
          ? <RiskTab session={session} runId={run.id} round={round} />
          : <DetailsTab run={run} />}
      </Tabs>
    </article>
  )
}
