/**
 * The console: signed out, the sign-in page (at whatever address was opened, which is kept, so a
 * shared link opens once signed in); signed in, the page of the current route inside the layout.
 */
import { useState } from "preact/hooks"
import type { Failure } from "./api/Client.js"
import { Agents } from "./pages/agent/Agents.js"
import { AgentPage } from "./pages/agent/AgentPage.js"
import { Environments } from "./pages/admin/Environments.js"
import { Retention } from "./pages/admin/Retention.js"
import { TokenPage } from "./pages/admin/TokenPage.js"
import { Tokens } from "./pages/admin/Tokens.js"
import { ProfilePage } from "./pages/admin/ProfilePage.js"
import { Profiles } from "./pages/admin/Profiles.js"
import { AuditLog } from "./pages/audit/AuditLog.js"
import { Overview } from "./pages/Overview.js"
import { RunPage } from "./pages/run/RunPage.js"
import { Runs } from "./pages/Runs.js"
import { SignIn } from "./pages/SignIn.js"
import { parse, type Route, useLocation } from "./Router.js"
import { isAccount, type Session, signIn } from "./session/Session.js"
import { Layout, useTitle } from "./ui/Layout.js"
import { Link } from "./ui/Link.js"

const NotOffered = ({ what }: { readonly what: string }) => {
  useTitle(what)
  return (
    <section>
      <h1>{what}</h1>
      <p>This page needs an account token; the token you signed in with is a deployment token, which reaches its own agent's runs only.</p>
    </section>
  )
}

const Missing = ({ path }: { readonly path: string }) => {
  useTitle("Not found")
  return (
    <section>
      <h1>No such page</h1>
      <p>The console has no page at <code>{path}</code>. <Link to="/">Go to the overview</Link>.</p>
    </section>
  )
}

const page = (route: Route, session: Session) => {
  const account = isAccount(session)
  switch (route.page) {
    case "overview":
      return <Overview session={session} />
    case "run":
      return <RunPage session={session} id={route.id} query={route.query} />
    case "runs":
      return account ? <Runs session={session} query={route.query} /> : <NotOffered what="Runs" />
    case "agents":
      return account ? <Agents session={session} /> : <NotOffered what="Agents" />
    case "agent":
      return account ? <AgentPage session={session} id={route.id} query={route.query} /> : <NotOffered what="Agent" />
    case "profiles":
      return account ? <Profiles session={session} /> : <NotOffered what="Risk profiles" />
    case "profile":
      return account ? <ProfilePage session={session} id={route.id} /> : <NotOffered what="Risk profile" />
    case "environments":
      return account ? <Environments session={session} /> : <NotOffered what="Environments" />
    case "tokens":
      return account ? <Tokens session={session} /> : <NotOffered what="Tokens" />
    case "token":
      return account ? <TokenPage session={session} id={route.id} /> : <NotOffered what="Token" />
    case "audit":
      return account ? <AuditLog session={session} query={route.query} /> : <NotOffered what="Audit log" />
    case "retention":
      return account ? <Retention session={session} /> : <NotOffered what="Retention" />
    case "missing":
      return <Missing path={route.path} />
  }
}

export const App = () => {
  const location = useLocation()
  const [session, setSession] = useState<Session | null>(null)
  const [notice, setNotice] = useState<string | null>(null)
  const refused = () => {
    setSession(null)
    setNotice("The server no longer accepts the token you signed in with (it may have been suspended or revoked). Sign in again.")
  }
  const onSignIn = async (token: string): Promise<Failure | null> => {
    const answer = await signIn(token, refused)
    if (answer._tag === "Failed") return answer.failure
    setNotice(null)
    setSession(answer.value)
    return null
  }
  const signOut = () => {
    setSession(null)
    setNotice("Signed out. The token is gone from this tab.")
  }
  if (session === null) return <SignIn onSignIn={onSignIn} notice={notice} />
  return (
    <Layout session={session} path={location.path} onSignOut={signOut}>
      {page(parse(location), session)}
    </Layout>
  )
}
