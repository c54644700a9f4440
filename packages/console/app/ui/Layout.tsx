/**
 * The frame of every signed-in page: a skip link, the header with the pages this token can use
 * and the way to sign out, and the main region, which takes focus when the page changes so a
 * screen reader starts at the new page.
 */
import type { ComponentChildren } from "preact"
import { useEffect, useRef } from "preact/hooks"
import { navigation, type Session } from "../session/Session.js"
import { shortId } from "./Format.js"
import { Link } from "./Link.js"

/** Sets the document's title while a page is shown. */
export const useTitle = (title: string): void => {
  useEffect(() => {
    document.title = `${title} · agentledger`
  }, [title])
}

const isCurrent = (href: string, path: string): boolean => (href === "/" ? path === "/" || path === "/overview" : path === href || path.startsWith(`${href}/`))

export const Layout = ({ session, path, onSignOut, children }: {
  readonly session: Session
  readonly path: string
  readonly onSignOut: () => void
  readonly children: ComponentChildren
}) => {
  const main = useRef<HTMLElement>(null)
  const first = useRef(true)
  useEffect(() => {
    if (first.current) {
      first.current = false
      return
    }
    main.current?.focus()
  }, [path])
  const { principal } = session
  return (
    <>
      <a class="skip" href="#main">Skip to content</a>
      <header class="top">
        <span class="brand">agentledger</span>
        <nav aria-label="Console">
          <ul>
            {navigation(session).map((item) => (
              <li key={item.href}>
                <Link to={item.href} current={isCurrent(item.href, path)}>{item.label}</Link>
              </li>
            ))}
          </ul>
        </nav>
        <span class="who" title={`token ${principal.token_id}`}>
          {principal.token_scope === "account" ? "Account token" : `Deployment token · agent ${shortId(principal.agent_id ?? "")}`}
        </span>
        <button type="button" class="sign-out" onClick={onSignOut}>Sign out</button>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {children}
      </main>
    </>
  )
}
