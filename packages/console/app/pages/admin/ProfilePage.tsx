/**
 * A risk profile: the rules of its current revision, every revision, the agents it scores, an
 * edit (a new revision: runs already scored keep theirs) and its assignment to an agent.
 */
import { useState } from "preact/hooks"
import { type RiskProfileDetails, riskProfileDetails, riskProfileRevision } from "../../api/Account.js"
import { agent } from "../../api/Agents.js"
import { maxPageSize, page } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { agentHref } from "../../Router.js"
import { Done, Empty, Failed, Loading } from "../../ui/Feedback.js"
import { dateTime, points, words } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"
import { ProfileEditor } from "./ProfileEditor.js"

const Rules = ({ profile }: { readonly profile: RiskProfileDetails }) => {
  const { rules } = profile.current_revision
  const included = rules.category_weights.filter(([, rule]) => rule.included)
  return (
    <section aria-label="Rules of the current revision">
      <p>
        Levels: medium from <strong>{points(rules.thresholds.medium)}</strong>, high from <strong>{points(rules.thresholds.high)}</strong>, critical from{" "}
        <strong>{points(rules.thresholds.critical)}</strong> points.
      </p>
      <table>
        <caption>Included data categories</caption>
        <thead><tr><th scope="col">Category</th><th scope="col" class="number">Weight</th></tr></thead>
        <tbody>
          {included.length === 0
            ? <tr><td colSpan={2}>None: no span scores points under this revision.</td></tr>
            : included.map(([name, rule]) => <tr key={name}><th scope="row">{words(name)}</th><td class="number">{rule.weight}</td></tr>)}
        </tbody>
      </table>
      <table>
        <caption>Actions</caption>
        <thead><tr><th scope="col">Action</th><th scope="col">Included</th><th scope="col" class="number">Multiplier</th></tr></thead>
        <tbody>
          {rules.action_multipliers.map(([name, rule]) => (
            <tr key={name}><th scope="row">{words(name)}</th><td>{rule.included ? "yes" : "no"}</td><td class="number">{points(rule.multiplier)}</td></tr>
          ))}
        </tbody>
      </table>
    </section>
  )
}

const Assign = ({ session, profileId, onDone }: { readonly session: Session; readonly profileId: string; readonly onDone: () => void }) => {
  const agents = useAnswer(() => session.client.get("/agent", page(agent), { "pagination[page_size]": maxPageSize }), [session])
  const [target, setTarget] = useState("")
  const action = useAction()
  const others = agents.state._tag === "Ok" ? agents.state.value.items.filter((a) => a.risk_profile_id !== profileId && a.available_actions.update) : []
  const submit = action.submit(() => session.client.put(`/agent/${target}`, { details: { risk_profile_id: profileId } }, (r) => r.object("details", agent, null)), () => {
    setTarget("")
    agents.reload()
    onDone()
  })
  if (others.length === 0) return null
  return (
    <form class="inline-form" onSubmit={submit}>
      <div class="field">
        <label for="assign-agent">Assign to agent</label>
        <select id="assign-agent" required value={target} onChange={(event) => setTarget(event.currentTarget.value)}>
          <option value="">choose an agent</option>
          {others.map((a) => <option key={a.id} value={a.id}>{a.name}</option>)}
        </select>
      </div>
      <button type="submit" disabled={target === "" || action.busy}>Assign</button>
      {action.failure === null ? null : <Failed failure={action.failure} doing="assign the profile" />}
    </form>
  )
}

export const ProfilePage = ({ session, id }: { readonly session: Session; readonly id: string }) => {
  const [round, setRound] = useState(0)
  const [editing, setEditing] = useState(false)
  const [said, setSaid] = useState<string | null>(null)
  const loaded = useAnswer(() => session.client.get(`/risk_profile/${encodeURIComponent(id)}`, (r) => r.object("details", riskProfileDetails, null)), [session, id, round])
  const revisions = useAnswer(() => session.client.get(`/risk_profile/${encodeURIComponent(id)}/revisions`, (r) => r.array("details", riskProfileRevision)), [session, id, round])
  const users = useAnswer(() => session.client.get("/agent", page(agent), { risk_profile_id: id, "pagination[page_size]": maxPageSize }), [session, id, round])
  const profile = loaded.state._tag === "Ok" ? loaded.state.value : null
  useTitle(profile?.name ?? "Risk profile")
  if (loaded.state._tag === "Loading") return <Loading what="the risk profile" />
  if (loaded.state._tag === "Failed") return <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read this risk profile" />
  if (profile === null) return null
  return (
    <article>
      <header class="page-head">
        <div>
          <h1>{profile.name}</h1>
          <p class="strip"><span>revision <strong class="revision">{profile.revision}</strong></span><span>updated {dateTime(profile.updated_at)}</span></p>
          {profile.description === null ? null : <p>{profile.description}</p>}
        </div>
        {editing ? null : <div class="actions"><button type="button" onClick={() => setEditing(true)}>Edit</button></div>}
      </header>
      {said === null ? null : <Done>{said}</Done>}
      {editing
        ? (
          <ProfileEditor
            session={session}
            profile={profile}
            onCancel={() => setEditing(false)}
            onSaved={(saved) => {
              setEditing(false)
              setSaid(`Saved as revision ${saved.revision}. Runs registered from now on are scored with it; runs already scored keep their revision.`)
              setRound((n) => n + 1)
            }}
          />
        )
        : <Rules profile={profile} />}
      <section aria-label="Agents scored with this profile">
        <h2>Agents</h2>
        {users.state._tag === "Ok" && users.state.value.items.length === 0 ? <Empty>No agent uses this profile yet.</Empty> : null}
        {users.state._tag === "Failed" ? <Failed failure={users.state.failure} doing="list the agents using it" /> : null}
        <ul>
          {(users.state._tag === "Ok" ? users.state.value.items : []).map((a) => <li key={a.id}><Link to={agentHref(a.id)}>{a.name}</Link></li>)}
        </ul>
        <Assign session={session} profileId={profile.id} onDone={() => setRound((n) => n + 1)} />
      </section>
      <section aria-label="Revisions">
        <h2>Revisions</h2>
        {revisions.state._tag === "Ok"
          ? (
            <table>
              <caption>Every revision, newest first</caption>
              <thead><tr><th scope="col">Revision</th><th scope="col">Made</th><th scope="col">Thresholds (medium / high / critical)</th></tr></thead>
              <tbody>
                {[...revisions.state.value].sort((a, b) => b.revision - a.revision).map((revision) => (
                  <tr key={revision.id}>
                    <th scope="row">{revision.revision}{revision.id === profile.current_revision_id ? " (current)" : ""}</th>
                    <td>{dateTime(revision.inserted_at)}</td>
                    <td>{[revision.rules.thresholds.medium, revision.rules.thresholds.high, revision.rules.thresholds.critical].map(points).join(" / ")}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
          : revisions.state._tag === "Failed"
          ? <Failed failure={revisions.state.failure} doing="list the revisions" />
          : <Loading what="revisions" />}
      </section>
    </article>
  )
}
