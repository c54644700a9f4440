/**
 * The Risk tab: how the run's total came to be — the points of each span type, their sum, the
 * level the total falls in with the thresholds that decide it, and the highest level the run ever
 * reached. Every figure is the API's (`GET /agent_instance/{id}/risk`); the console adds nothing.
 */
import { nullableDetails } from "../../api/Page.js"
import { type RiskReport, riskReport } from "../../api/Runs.js"
import type { Session } from "../../session/Session.js"
import { LevelBadge } from "../../ui/Badges.js"
import { Empty, Failed, Loading } from "../../ui/Feedback.js"
import { count, percent, points } from "../../ui/Format.js"
import { useAnswer } from "../../ui/Load.js"

const Report = ({ report }: { readonly report: RiskReport }) => (
  <div class="risk-report">
    <div class="risk-summary">
      <p>
        Total <strong class="risk-total" data-total={report.total}>{points(report.total)}</strong> points · level <LevelBadge level={report.level} /> · peak{" "}
        <LevelBadge level={report.peak_level} />
      </p>
      <p class="thresholds">
        Thresholds of the profile revision: medium from <strong>{points(report.thresholds.medium)}</strong>, high from{" "}
        <strong>{points(report.thresholds.high)}</strong>, critical from <strong>{points(report.thresholds.critical)}</strong> points.
      </p>
    </div>
    {report.breakdown.length === 0
      ? <Empty>No span of this run counts toward its risk yet.</Empty>
      : (
        <table class="breakdown">
          <caption>Points by span type</caption>
          <thead>
            <tr>
              <th scope="col">Span type</th>
              <th scope="col" class="number">Spans</th>
              <th scope="col" class="number">Share of spans</th>
              <th scope="col" class="number">Points</th>
            </tr>
          </thead>
          <tbody>
            {report.breakdown.map((entry) => (
              <tr key={entry.schema_name}>
                <th scope="row"><code>{entry.schema_name}</code></th>
                <td class="number">{count(entry.span_count)}</td>
                <td class="number">{percent(entry.share)}</td>
                <td class="number">{points(entry.points)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              <td class="number">{count(report.breakdown.reduce((sum, entry) => sum + entry.span_count, 0))}</td>
              <td />
              <td class="number">{points(report.total)}</td>
            </tr>
          </tfoot>
        </table>
      )}
    <p class="muted">
      {report.breakdown.filter((entry) => entry.points !== 0).map((entry) => points(entry.points)).join(" + ") || "0"} = {points(report.total)} points. Cancelled
      spans do not count.
    </p>
  </div>
)

export const RiskTab = ({ session, runId, round }: { readonly session: Session; readonly runId: string; readonly round: number }) => {
  const loaded = useAnswer(() => session.client.get(`/agent_instance/${encodeURIComponent(runId)}/risk`, nullableDetails(riskReport)), [session, runId, round])
  switch (loaded.state._tag) {
    case "Loading":
      return <Loading what="the risk report" />
    case "Failed":
      return <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read the run's risk" />
    case "Ok":
      return loaded.state.value === null
        ? <Empty>This run is not scored: its agent had no risk profile when the run registered. Assign a profile to the agent to score its next runs.</Empty>
        : <Report report={loaded.state.value} />
  }
}
