/**
 * One token (`GET /api_token/{id}`), where the audit log's "who" leads: its scope, status and
 * dates, and the ways into the log — the changes made with it and the changes made to it. A token
 * deleted after its revocation is not shown by the API any more, but the log still names it; the
 * page says so and keeps the ways into the log.
 */
import { apiToken } from "../../api/Account.js"
import type { Session } from "../../session/Session.js"
import { auditHref } from "../../Router.js"
import { Failed, Loading } from "../../ui/Feedback.js"
import { dateTime, shortId, words } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"

const InTheLog = ({ id }: { readonly id: string }) => (
  <ul>
    <li><Link to={auditHref({ actor_type: "api_token", actor_id: id })}>Changes made with this token</Link></li>
    <li><Link to={auditHref({ entity: "api_token", entity_id: id })}>Changes made to this token</Link> (its creation, suspension, revocation…)</li>
  </ul>
)

export const TokenPage = ({ session, id }: { readonly session: Session; readonly id: string }) => {
  useTitle(`Token ${shortId(id)}`)
  const loaded = useAnswer(() => session.client.get(`/api_token/${encodeURIComponent(id)}`, (r) => r.object("details", apiToken, null)), [session, id])
  return (
    <article>
      <h1>Token <code title={id}>{shortId(id)}</code>{id === session.principal.token_id ? " (this session)" : ""}</h1>
      {loaded.state._tag === "Loading" ? <Loading what="the token" /> : null}
      {loaded.state._tag === "Failed"
        ? loaded.state.failure.status === 404
          ? (
            <p class="notice">
              The API does not show this token: it was deleted after its revocation (its record is kept, so that the audit log can still
              name it), or it is not this account's.
            </p>
          )
          : <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read this token" />
        : null}
      {loaded.state._tag === "Ok" && loaded.state.value !== null
        ? (
          <dl class="facts">
            <dt>Token id</dt>
            <dd><code>{loaded.state.value.id}</code></dd>
            <dt>Scope</dt>
            <dd>{loaded.state.value.token_scope === "account" ? "the whole account" : <>one deployment (<code>{loaded.state.value.agent_deployment_id}</code>)</>}</dd>
            <dt>Status</dt>
            <dd>{words(loaded.state.value.status)}</dd>
            <dt>Last used</dt>
            <dd>{dateTime(loaded.state.value.last_used_at)}</dd>
            <dt>Expires</dt>
            <dd>{loaded.state.value.expires_at === null ? "never" : dateTime(loaded.state.value.expires_at)}</dd>
            <dt>Created</dt>
            <dd>{dateTime(loaded.state.value.inserted_at)}</dd>
          </dl>
        )
        : null}
      <h2>In the audit log</h2>
      <InTheLog id={id} />
      <p><Link to="/tokens">Every token</Link> (to suspend, activate or revoke one)</p>
    </article>
  )
}
