/** The risk profiles of the account, and a new one (named, with its thresholds; the rest is edited on its page). */
import { useState } from "preact/hooks"
import { riskProfile, riskProfileDetails } from "../../api/Account.js"
import { page, pageSize } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { navigate, profileHref } from "../../Router.js"
import { Empty, Failed, Loading } from "../../ui/Feedback.js"
import { dateTime } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"
import { Pager } from "../../ui/Pager.js"

const Create = ({ session }: { readonly session: Session }) => {
  const [name, setName] = useState("")
  const [thresholds, setThresholds] = useState({ medium: "5", high: "20", critical: "40" })
  const action = useAction()
  const submit = action.submit(() =>
    session.client.post("/risk_profile", {
      details: { name: name.trim(), thresholds: { medium: Number(thresholds.medium), high: Number(thresholds.high), critical: Number(thresholds.critical) } }
    }, (r) => r.object("details", riskProfileDetails, null)), (created) => {
    if (created !== null) navigate(profileHref(created.id))
  })
  return (
    <form class="inline-form card" onSubmit={submit} aria-label="Create a risk profile">
      <div class="field">
        <label for="new-profile-name">Name</label>
        <input id="new-profile-name" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </div>
      {(["medium", "high", "critical"] as const).map((level) => (
        <div class="field" key={level}>
          <label for={`new-${level}`}>{level} from</label>
          <input id={`new-${level}`} type="number" step="0.01" min="0" required value={thresholds[level]} onInput={(event) => setThresholds({ ...thresholds, [level]: event.currentTarget.value })} />
        </div>
      ))}
      <button type="submit" disabled={action.busy}>Create profile</button>
      {action.failure === null ? null : <Failed failure={action.failure} doing="create the profile" />}
    </form>
  )
}

export const Profiles = ({ session }: { readonly session: Session }) => {
  useTitle("Risk profiles")
  const [offset, setOffset] = useState(0)
  const loaded = useAnswer(() => session.client.get("/risk_profile", page(riskProfile), { "pagination[offset]": offset, "pagination[page_size]": pageSize }), [session, offset])
  return (
    <section>
      <h1>Risk profiles</h1>
      <Create session={session} />
      {loaded.state._tag === "Loading" ? <Loading what="risk profiles" /> : null}
      {loaded.state._tag === "Failed" ? <Failed failure={loaded.state.failure} retry={loaded.reload} doing="list the risk profiles" /> : null}
      {loaded.state._tag === "Ok"
        ? loaded.state.value.items.length === 0
          ? <Empty>No risk profile yet: without one, an agent's runs are not scored. Create one above and assign it to an agent.</Empty>
          : (
            <>
              <table>
                <caption>Risk profiles</caption>
                <thead><tr><th scope="col">Profile</th><th scope="col">Revision</th><th scope="col">Description</th><th scope="col">Updated</th></tr></thead>
                <tbody>
                  {loaded.state.value.items.map((p) => (
                    <tr key={p.id}>
                      <th scope="row"><Link to={profileHref(p.id)}>{p.name}</Link></th>
                      <td>{p.revision}</td>
                      <td>{p.description ?? <span class="muted">—</span>}</td>
                      <td>{dateTime(p.updated_at)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager pagination={loaded.state.value.pagination} what="profiles" onOffset={setOffset} />
            </>
          )
        : null}
    </section>
  )
}
