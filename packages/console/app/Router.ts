/**
 * The console's routes: each page is a path of the real URL (the server answers the page for each,
 * `src/Console.ts`), its filters and tab are the query, so a view can be shared by its address.
 * Navigation is the History API; `useLocation` re-renders on every change.
 */
import { useEffect, useState } from "preact/hooks"

export type Route =
  | { readonly page: "overview" }
  | { readonly page: "runs"; readonly query: URLSearchParams }
  | { readonly page: "run"; readonly id: string; readonly query: URLSearchParams }
  | { readonly page: "agents" }
  | { readonly page: "agent"; readonly id: string; readonly query: URLSearchParams }
  | { readonly page: "profiles" }
  | { readonly page: "profile"; readonly id: string }
  | { readonly page: "environments" }
  | { readonly page: "tokens" }
  | { readonly page: "token"; readonly id: string }
  | { readonly page: "audit"; readonly query: URLSearchParams }
  | { readonly page: "retention" }
  | { readonly page: "missing"; readonly path: string }

export interface Location {
  readonly path: string
  readonly search: string
}

const segment = (part: string | undefined): string | undefined => {
  if (part === undefined || part === "") return undefined
  try {
    return decodeURIComponent(part)
  } catch {
    return undefined
  }
}

/** The route of a location. */
export const parse = ({ path, search }: Location): Route => {
  const query = new URLSearchParams(search)
  const parts = path.split("/").filter((part) => part !== "")
  const [first, second, ...rest] = parts
  const id = segment(second)
  if (rest.length > 0) return { page: "missing", path }
  if (first === undefined || (first === "overview" && id === undefined)) return { page: "overview" }
  if (first === "runs") return id === undefined ? { page: "runs", query } : { page: "run", id, query }
  if (first === "agents") return id === undefined ? { page: "agents" } : { page: "agent", id, query }
  if (first === "profiles") return id === undefined ? { page: "profiles" } : { page: "profile", id }
  if (first === "environments" && id === undefined) return { page: "environments" }
  if (first === "tokens") return id === undefined ? { page: "tokens" } : { page: "token", id }
  if (first === "audit" && id === undefined) return { page: "audit", query }
  if (first === "retention" && id === undefined) return { page: "retention" }
  return { page: "missing", path }
}

/** A path with a query; empty values are left out. */
export const href = (path: string, query: Readonly<Record<string, string | undefined>> = {}): string => {
  const params = new URLSearchParams()
  for (const [key, value] of Object.entries(query)) if (value !== undefined && value !== "") params.set(key, value)
  const text = params.toString()
  return text === "" ? path : `${path}?${text}`
}

export const runHref = (id: string, query: Readonly<Record<string, string | undefined>> = {}): string => href(`/runs/${encodeURIComponent(id)}`, query)
export const agentHref = (id: string, query: Readonly<Record<string, string | undefined>> = {}): string => href(`/agents/${encodeURIComponent(id)}`, query)
export const profileHref = (id: string): string => `/profiles/${encodeURIComponent(id)}`
export const tokenHref = (id: string): string => `/tokens/${encodeURIComponent(id)}`
export const auditHref = (query: Readonly<Record<string, string | undefined>> = {}): string => href("/audit", query)

const changed = "console:location"

const current = (): Location => ({ path: window.location.pathname, search: window.location.search })

/** Goes to `target` (a path with its query) without reloading; `replace` keeps the history entry. */
export const navigate = (target: string, options: { readonly replace?: boolean } = {}): void => {
  if (options.replace === true) window.history.replaceState(null, "", target)
  else window.history.pushState(null, "", target)
  // A mark the bench reads: a page's paint is measured from the navigation that asked for it.
  performance.mark("console:navigate")
  window.dispatchEvent(new Event(changed))
}

/** The current location, re-read on every navigation (ours, or the browser's back and forward). */
export const useLocation = (): Location => {
  const [location, setLocation] = useState(current)
  useEffect(() => {
    const update = () => setLocation(current())
    window.addEventListener("popstate", update)
    window.addEventListener(changed, update)
    return () => {
      window.removeEventListener("popstate", update)
      window.removeEventListener(changed, update)
    }
  }, [])
  return location
}

/** A click on an in-console link: navigated here, unless the reader asked for a new tab or window. */
export const followLink = (event: MouseEvent, target: string): void => {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return
  event.preventDefault()
  navigate(target)
}
