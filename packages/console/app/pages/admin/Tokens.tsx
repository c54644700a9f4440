/**
 * API tokens: account-wide or for one deployment; a new token's secret is shown once (the API
 * keeps only its hash), and each token can be suspended, activated or revoked.
 */
import { useState } from "preact/hooks"
import { type ApiToken, apiToken, createdToken, environment } from "../../api/Account.js"
import { agent, deployment } from "../../api/Agents.js"
import { maxPageSize, page, pageSize } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { Done, Empty, Failed, Loading } from "../../ui/Feedback.js"
import { dateTime, shortId, words } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { useAnswer } from "../../ui/Load.js"
import { Pager } from "../../ui/Pager.js"

/** What a token may do next in its status; the API refuses the others (`invalid_action`). */
const actionsOf = (token: ApiToken): ReadonlyArray<"suspend" | "activate" | "revoke"> =>
  token.status === "active" ? ["suspend", "revoke"] : token.status === "suspended" ? ["activate", "revoke"] : []

const Secret = ({ secret, onDismiss }: { readonly secret: string; readonly onDismiss: () => void }) => (
  <div class="secret" role="alert">
    <p><strong>The new token's secret — shown this once.</strong> Copy it now: the server keeps only its hash and cannot show it again.</p>
    <p><code data-secret="">{secret}</code></p>
    <div class="actions">
      <button type="button" onClick={() => void navigator.clipboard?.writeText(secret)}>Copy</button>
      <button type="button" onClick={onDismiss}>I have stored it</button>
    </div>
  </div>
)

export const Tokens = ({ session }: { readonly session: Session }) => {
  useTitle("Tokens")
  const [offset, setOffset] = useState(0)
  const [scope, setScope] = useState<"account" | "agent_deployment">("agent_deployment")
  const [target, setTarget] = useState("")
  const [secret, setSecret] = useState<string | null>(null)
  const [said, setSaid] = useState<string | null>(null)
  const action = useAction()
  const loaded = useAnswer(() => session.client.get("/api_token", page(apiToken), { "pagination[offset]": offset, "pagination[page_size]": pageSize }), [session, offset])
  const context = useAnswer(async () => {
    const [deployments, agents, environments] = await Promise.all([
      session.client.get("/agent_deployment", page(deployment), { "pagination[page_size]": maxPageSize }),
      session.client.get("/agent", page(agent), { "pagination[page_size]": maxPageSize }),
      session.client.get("/environment", page(environment), { "pagination[page_size]": maxPageSize })
    ])
    const agentName = new Map(agents._tag === "Ok" ? agents.value.items.map((a) => [a.id, a.name]) : [])
    const environmentName = new Map(environments._tag === "Ok" ? environments.value.items.map((e) => [e.id, e.name]) : [])
    const labels = new Map((deployments._tag === "Ok" ? deployments.value.items : []).map((d) => [
      d.id,
      `${agentName.get(d.agent_id) ?? shortId(d.agent_id)} · ${environmentName.get(d.environment_id) ?? shortId(d.environment_id)}`
    ]))
    return { _tag: "Ok" as const, value: labels }
  }, [session])
  const labels = context.state._tag === "Ok" ? context.state.value : new Map<string, string>()
  const create = action.submit(() =>
    session.client.post("/api_token", {
      details: scope === "account" ? { token_scope: "account" } : { token_scope: "agent_deployment", agent_deployment_id: target }
    }, createdToken), (created) => {
    setSaid(null)
    setSecret(created.secret)
    loaded.reload()
  })
  const act = (token: ApiToken, change: "suspend" | "activate" | "revoke") =>
    action.run(() => session.client.post(`/api_token/${token.id}/${change}`, {}, (r) => r.object("details", apiToken, token)), (changed) => {
      setSaid(`Token ${shortId(token.id)} is now ${changed.status}.`)
      loaded.reload()
    })
  return (
    <section>
      <h1>API tokens</h1>
      <form class="inline-form card" onSubmit={create} aria-label="Create a token">
        <div class="field">
          <label for="token-scope">Scope</label>
          <select id="token-scope" value={scope} onChange={(event) => setScope(event.currentTarget.value === "account" ? "account" : "agent_deployment")}>
            <option value="agent_deployment">one deployment (for an agent's SDK)</option>
            <option value="account">the whole account</option>
          </select>
        </div>
        {scope === "agent_deployment"
          ? (
            <div class="field">
              <label for="token-deployment">Deployment</label>
              <select id="token-deployment" required value={target} onChange={(event) => setTarget(event.currentTarget.value)}>
                <option value="">choose a deployment</option>
                {[...labels.entries()].map(([id, label]) => <option key={id} value={id}>{label}</option>)}
              </select>
            </div>
          )
          : null}
        <button type="submit" disabled={action.busy}>Create token</button>
      </form>
      {secret === null ? null : <Secret secret={secret} onDismiss={() => setSecret(null)} />}
      {said === null ? null : <Done>{said}</Done>}
      {action.failure === null ? null : <Failed failure={action.failure} doing="change the tokens" />}
      {loaded.state._tag === "Loading" ? <Loading what="tokens" /> : null}
      {loaded.state._tag === "Failed" ? <Failed failure={loaded.state.failure} retry={loaded.reload} doing="list the tokens" /> : null}
      {loaded.state._tag === "Ok"
        ? loaded.state.value.items.length === 0
          ? <Empty>No token yet.</Empty>
          : (
            <>
              <table>
                <caption>Tokens, newest first</caption>
                <thead>
                  <tr><th scope="col">Token</th><th scope="col">Scope</th><th scope="col">Status</th><th scope="col">Last used</th><th scope="col">Expires</th><th scope="col">Created</th><th scope="col">Actions</th></tr>
                </thead>
                <tbody>
                  {loaded.state.value.items.map((token) => (
                    <tr key={token.id}>
                      <th scope="row"><code title={token.id}>{shortId(token.id)}</code>{token.id === session.principal.token_id ? " (this session)" : ""}</th>
                      <td>{token.token_scope === "account" ? "account" : labels.get(token.agent_deployment_id ?? "") ?? "deployment"}</td>
                      <td>{words(token.status)}</td>
                      <td>{dateTime(token.last_used_at)}</td>
                      <td>{token.expires_at === null ? "never" : dateTime(token.expires_at)}</td>
                      <td>{dateTime(token.inserted_at)}</td>
                      <td class="actions">
                        {actionsOf(token).map((change) => (
                          <button key={change} type="button" class={change === "revoke" ? "danger" : ""} disabled={action.busy} onClick={() => void act(token, change)} aria-label={`${words(change)} token ${shortId(token.id)}`}>
                            {words(change)}
                          </button>
                        ))}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
              <Pager pagination={loaded.state.value.pagination} what="tokens" onOffset={setOffset} />
            </>
          )
        : null}
    </section>
  )
}
