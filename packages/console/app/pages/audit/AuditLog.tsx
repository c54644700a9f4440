/**
 * The audit log (`GET /audit_event`): every change to the account's records, newest first, paged
 * and filtered by the query of the URL (the API's parameter names, as the runs list does), each
 * event opening to the record before and after; and the verification of its hash chain. Account
 * tokens only (the API refuses a deployment token).
 */
import { auditEvent, auditFilterNames, auditFiltersOf, type AuditFilters as Filters } from "../../api/Audit.js"
import { page, pageSize } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { auditHref, navigate } from "../../Router.js"
import { Empty, Failed, Loading } from "../../ui/Feedback.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"
import { Pager } from "../../ui/Pager.js"
import { AuditFilters, filterWords } from "./AuditFilters.js"
import { EventTable } from "./EventRows.js"
import { usePresence } from "./Records.js"
import { VerifyChain } from "./VerifyChain.js"

export const AuditLog = ({ session, query }: { readonly session: Session; readonly query: URLSearchParams }) => {
  useTitle("Audit log")
  const filters = auditFiltersOf(query)
  const offset = Number(query.get("offset") ?? "0") || 0
  const key = query.toString()
  const loaded = useAnswer(
    () => session.client.get("/audit_event", page(auditEvent), { ...filters, "pagination[offset]": offset, "pagination[page_size]": pageSize }),
    [session, key]
  )
  const events = loaded.state._tag === "Ok" ? loaded.state.value.items : []
  const presence = usePresence(session.client, events)
  // The address names the filters in one order, whatever order they were chosen in.
  const go = (next: Filters, nextOffset = 0) =>
    navigate(auditHref({ ...Object.fromEntries(auditFilterNames.map((name) => [name, next[name]])), offset: nextOffset === 0 ? undefined : String(nextOffset) }))
  const filtered = filterWords(filters)
  return (
    <section>
      <h1>Audit log</h1>
      <p>
        Every change to the account's records — agents, deployments, environments, risk profiles, tokens, a run's termination or erasure,
        the retention policy and its passes — with who made it and when, newest first. Recording runs and spans is not listed: the runs are
        the ledger itself. Nothing can change or delete an event.
      </p>
      <VerifyChain session={session} />
      <AuditFilters key={key} filters={filters} onApply={(next) => go(next)} />
      {loaded.state._tag === "Loading" ? <Loading what="the audit log" /> : null}
      {loaded.state._tag === "Failed" ? <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read the audit log" /> : null}
      {loaded.state._tag === "Ok"
        ? loaded.state.value.items.length === 0
          ? (
            <Empty>
              {filtered === ""
                ? "No event yet: the log records each change to the account's records from its opening on."
                : <>No event matches these filters ({filtered}). <Link to="/audit">Show every event</Link>.</>}
            </Empty>
          )
          : (
            <>
              <EventTable events={loaded.state.value.items} presence={presence} caption={filtered === "" ? "Events, newest first" : `Events, newest first: ${filtered}`} />
              <Pager pagination={loaded.state.value.pagination} what="events" onOffset={(next) => go(filters, next)} />
            </>
          )
        : null}
    </section>
  )
}
