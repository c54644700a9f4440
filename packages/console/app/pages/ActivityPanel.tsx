/**
 * An activity chart read from the API (`GET /activity`): the account's, an agent's or a run's
 * spans by status in 5-minute buckets, with the states of its read in words. A server older
 * than the chart (no such route) leaves a note instead, and the page around it works as before.
 */
import { readActivity } from "../api/Activity.js"
import type { Query } from "../api/Client.js"
import type { Session } from "../session/Session.js"
import { ActivityChart } from "../ui/ActivityChart.js"
import { Failed, Loading } from "../ui/Feedback.js"
import { useAnswer } from "../ui/Load.js"

export const ActivityPanel = ({ session, query, title, round = 0 }: {
  readonly session: Session
  /** The API's parameters: the window, the agent or the run. */
  readonly query: Query
  readonly title: string
  /** Changed to read again. */
  readonly round?: number
}) => {
  const loaded = useAnswer(() => readActivity(session.client, query), [session, JSON.stringify(query), round])
  return (
    <section class="activity" aria-label={title}>
      {loaded.state._tag === "Loading"
        ? <Loading what="the activity chart" />
        : loaded.state._tag === "Failed"
        ? loaded.state.failure.status === 404 && loaded.state.failure.message === "no such route"
          ? <p class="muted">This server does not offer the activity chart (<code>GET /api/v1/activity</code>): it is older than this console.</p>
          : <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read the activity chart" />
        : <ActivityChart data={loaded.state.value} title={title} />}
    </section>
  )
}
