/**
 * A signed-in session: the API client for the pasted token and who that token is (`/ping`). The
 * token lives in this module's memory only — not in a URL, storage or a cookie — so a reload or a
 * closed tab signs out (docs/security.md). What the console offers follows the token's scope;
 * the API stays the authority for what a token may do.
 */
import { Client, type Answer } from "../api/Client.js"
import { type Principal, principal } from "../api/Account.js"
import { details } from "../api/Page.js"

export interface Session {
  readonly client: Client
  readonly principal: Principal
}

const placeholder: Principal = { account_id: "", token_id: "", token_scope: "account", agent_id: null, environment_id: null, agent_deployment_id: null }

/** Signs in with `token`: a session when the API accepts it. */
export const signIn = async (token: string, onRefused: () => void): Promise<Answer<Session>> => {
  const client = new Client({ token, onRefused })
  const answer = await client.get("/ping", details(principal, placeholder))
  return answer._tag === "Ok" ? { _tag: "Ok", value: { client, principal: answer.value } } : answer
}

/** Whether the token reaches the whole account (a deployment token reaches one agent's runs). */
export const isAccount = (session: Session): boolean => session.principal.token_scope === "account"

export interface NavItem {
  readonly href: string
  readonly label: string
}

/** The pages the session's token can use. */
export const navigation = (session: Session): ReadonlyArray<NavItem> =>
  isAccount(session)
    ? [
      { href: "/", label: "Overview" },
      { href: "/runs", label: "Runs" },
      { href: "/agents", label: "Agents" },
      { href: "/profiles", label: "Risk profiles" },
      { href: "/environments", label: "Environments" },
      { href: "/tokens", label: "Tokens" },
      { href: "/retention", label: "Retention" },
      { href: "/audit", label: "Audit log" }
    ]
    : [{ href: "/", label: "Overview" }]
