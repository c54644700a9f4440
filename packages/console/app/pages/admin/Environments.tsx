/** The account's environments: their names and purposes, a new one, and deleting one no run or deployment uses. */
import { useState } from "preact/hooks"
import { environment, environmentPurposes } from "../../api/Account.js"
import { maxPageSize, page } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { href } from "../../Router.js"
import { Done, Empty, Failed, Loading } from "../../ui/Feedback.js"
import { dateTime, words } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"

const Create = ({ session, onDone }: { readonly session: Session; readonly onDone: (name: string) => void }) => {
  const [name, setName] = useState("")
  const [purpose, setPurpose] = useState<string>("development")
  const [description, setDescription] = useState("")
  const action = useAction()
  const submit = action.submit(() =>
    session.client.post("/environment", {
      details: { name: name.trim(), purpose, description: description.trim() === "" ? null : description.trim() }
    }, (r) => r.object("details", environment, null)), () => {
    setName("")
    setDescription("")
    onDone(name.trim())
  })
  return (
    <form class="inline-form card" onSubmit={submit} aria-label="Create an environment">
      <div class="field">
        <label for="environment-name">Name</label>
        <input id="environment-name" required value={name} onInput={(event) => setName(event.currentTarget.value)} />
      </div>
      <div class="field">
        <label for="environment-purpose">Purpose</label>
        <select id="environment-purpose" value={purpose} onChange={(event) => setPurpose(event.currentTarget.value)}>
          {environmentPurposes.map((p) => <option key={p} value={p}>{words(p)}</option>)}
        </select>
      </div>
      <div class="field">
        <label for="environment-description">Description (optional)</label>
        <input id="environment-description" value={description} onInput={(event) => setDescription(event.currentTarget.value)} />
      </div>
      <button type="submit" disabled={action.busy}>Create environment</button>
      {action.failure === null ? null : <Failed failure={action.failure} doing="create the environment" />}
    </form>
  )
}

export const Environments = ({ session }: { readonly session: Session }) => {
  useTitle("Environments")
  const loaded = useAnswer(() => session.client.get("/environment", page(environment), { "pagination[page_size]": maxPageSize }), [session])
  const [said, setSaid] = useState<string | null>(null)
  const removal = useAction()
  const remove = (id: string, name: string) => {
    if (!window.confirm(`Delete the environment "${name}"? Deployments and tokens that name it stop working.`)) return
    void removal.run(() => session.client.delete(`/environment/${id}`, (r) => r.object("details", environment, null)), () => {
      setSaid(`Deleted the environment "${name}".`)
      loaded.reload()
    })
  }
  return (
    <section>
      <h1>Environments</h1>
      <Create
        session={session}
        onDone={(name) => {
          setSaid(`Created the environment "${name}".`)
          loaded.reload()
        }}
      />
      {said === null ? null : <Done>{said}</Done>}
      {removal.failure === null ? null : <Failed failure={removal.failure} doing="delete the environment" />}
      {loaded.state._tag === "Loading" ? <Loading what="environments" /> : null}
      {loaded.state._tag === "Failed" ? <Failed failure={loaded.state.failure} retry={loaded.reload} doing="list the environments" /> : null}
      {loaded.state._tag === "Ok"
        ? loaded.state.value.items.length === 0
          ? <Empty>No environment yet. Create one above: runs are recorded in an environment.</Empty>
          : (
            <table>
              <caption>Environments</caption>
              <thead><tr><th scope="col">Name</th><th scope="col">Purpose</th><th scope="col">Description</th><th scope="col">Created</th><th scope="col">Actions</th></tr></thead>
              <tbody>
                {loaded.state.value.items.map((e) => (
                  <tr key={e.id}>
                    <th scope="row"><Link to={href("/runs", { environment_id: e.id })}>{e.name}</Link></th>
                    <td>{words(e.purpose)}</td>
                    <td>{e.description ?? <span class="muted">—</span>}</td>
                    <td>{dateTime(e.inserted_at)}</td>
                    <td><button type="button" disabled={removal.busy} onClick={() => remove(e.id, e.name)} aria-label={`Delete ${e.name}`}>Delete</button></td>
                  </tr>
                ))}
              </tbody>
            </table>
          )
        : null}
    </section>
  )
}
