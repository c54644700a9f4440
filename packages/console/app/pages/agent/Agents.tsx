/** The agents of the account: each with its status, profile and last run, and a way to register one. */
import { useState } from "preact/hooks"
import { type RiskProfile, riskProfile } from "../../api/Account.js"
import { agent } from "../../api/Agents.js"
import { maxPageSize, page, pageSize } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { agentHref, profileHref } from "../../Router.js"
import { StatusBadge } from "../../ui/Badges.js"
import { Empty, Failed, Loading } from "../../ui/Feedback.js"
import { dateTime } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"
import { Pager } from "../../ui/Pager.js"

const Register = ({ session, profiles, onDone }: { readonly session: Session; readonly profiles: ReadonlyArray<RiskProfile>; readonly onDone: () => void }) => {
  const [name, setName] = useState("")
  const [description, setDescription] = useState("")
  const [profile, setProfile] = useState("")
  const action = useAction()
  const submit = action.submit(() =>
    session.client.post("/agent", {
      details: { name: name.trim(), description: description.trim() || null, risk_profile_id: profile || null }
    }, (r) => r.object("details", agent, null)), () => {
    setName("")
    setDescription("")
    onDone()
  })
  return (
    <form class="inline-form card" onSubmit={submit} aria-label="Register an agent">
      <div class="field">
        <label for="agent-name">Name</label>
        <input id="agent-name" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="agent-description">Description (optional)</label>
        <input id="agent-description" value={description} onInput={(event) => setDescription(event.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="agent-profile">Risk profile</label>
        <select id="agent-profile" value={profile} onChange={(event) => setProfile(event.currentTarget.value)}>
          <option value="">none (runs are not scored)</option>
          {profiles.map((p) => <option key={p.id} value={p.id}>{p.name}</option>)}
        </select>
      </div>
      <button type="submit" disabled={action.busy}>Register agent</button>
      {action.failure === null ? null : <Failed failure={action.failure} doing="register the agent" />}
    </form>
  )
}

export const Agents = ({ session }: { readonly session: Session }) => {
  useTitle("Agents")
  const [offset, setOffset] = useState(0)
  const loaded = useAnswer(() => session.client.get("/agent", page(agent), { "pagination[offset]": offset, "pagination[page_size]": pageSize }), [session, offset])
  const profiles = useAnswer(() => session.client.get("/risk_profile", page(riskProfile), { "pagination[page_size]": maxPageSize }), [session])
  const known = profiles.state._tag === "Ok" ? profiles.state.value.items : []
  const profileName = new Map(known.map((p) => [p.id, p.name]))
  return (
    <section>
      <h1>Agents</h1>
      <Register session={session} profiles={known} onDone={loaded.reload} />
      {loaded.state._tag === "Loading" ? <Loading what="agents" /> : null}
      {loaded.state._tag === "Failed" ? <Failed failure={loaded.state.failure} retry={loaded.reload} doing="list the agents" /> : null}
      {loaded.state._tag === "Ok"
        ? loaded.state.value.items.length === 0
          ? <Empty>No agent yet. Register one above, or let an SDK with a deployment token register its first run.</Empty>
          : (
            <>
              <table>
                <caption>Agents</caption>
                <thead>
                  <tr>
                    <th scope="col">Agent</th>
                    <th scope="col">Status</th>
                    <th scope="col">Description</th>
                    <th scope="col">Risk profile</th>
                    <th scope="col">Last run</th>
                    <th scope="col">Registered</th>
                  </tr>
                </thead>
                <tbody>
                  {loaded.state.value.items.map((a) => (
                    <tr key={a.id}>
                      <th scope="row"><Link to={agentHref(a.id)}>{a.name}</Link></th>
                      <td><StatusBadge status={a.status} /></td>
                      <td>{a.description ?? <span class="muted">—</span>}</td>
                      <td>{a.risk_profile_id === null ? <span class="muted">none</span> : <Link to={profileHref(a.risk_profile_id)}>{profileName.get(a.risk_profile_id) ?? "profile"}</Link>}</td>
                      <td>{dateTime(a.last_run_at)}</td>
                      <td>{dateTime(a.inserted_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager pagination={loaded.state.value.pagination} what="agents" onOffset={setOffset} />
            </>
          )
        : null}
    </section>
  )
}
