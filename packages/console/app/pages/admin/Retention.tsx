/**
 * The account's retention policy (`GET`/`PUT /retention_policy`): how many days after it finished
 * a run is kept, for the account and, overriding it, per environment (as the account, forever, or
 * a number of days). Saved whole; the API judges the days (whole, 1–36,500) and says field by
 * field what it does not accept. The server's retention job applies it.
 */
import { useState } from "preact/hooks"
import { type Environment, environment } from "../../api/Account.js"
import { maxRunDays, type RetentionPolicy, retentionPlaceholder, retentionPolicy } from "../../api/Erasure.js"
import { details, maxPageSize, page } from "../../api/Page.js"
import type { Session } from "../../session/Session.js"
import { auditHref } from "../../Router.js"
import { useAction } from "../../ui/Action.js"
import { Done, Empty, Failed, Loading } from "../../ui/Feedback.js"
import { count, dateTime, shortId } from "../../ui/Format.js"
import { useTitle } from "../../ui/Layout.js"
import { Link } from "../../ui/Link.js"
import { useAnswer } from "../../ui/Load.js"

type Rule = "account" | "forever" | "days"

interface Override {
  readonly rule: Rule
  readonly days: string
}

interface Draft {
  readonly run_days: string
  readonly overrides: Readonly<Record<string, Override>>
}

const draftOf = (policy: RetentionPolicy): Draft => ({
  run_days: policy.run_days === null ? "" : String(policy.run_days),
  overrides: Object.fromEntries(policy.environments.map((e) => [e.environment_id, e.run_days === null ? { rule: "forever", days: "" } : { rule: "days", days: String(e.run_days) }]))
})

/** The body of `PUT /retention_policy`; days go as typed, for the API to judge. */
const bodyOf = (draft: Draft) => ({
  details: {
    run_days: draft.run_days.trim() === "" ? null : Number(draft.run_days),
    environments: Object.entries(draft.overrides).flatMap(([environment_id, override]) =>
      override.rule === "account" ? [] : [{ environment_id, run_days: override.rule === "forever" ? null : Number(override.days) }]
    )
  }
})

const days = (n: number | null): string => (n === null ? "kept forever" : `deleted ${count(n)} ${n === 1 ? "day" : "days"} after they finish`)

/** The policy in one sentence. */
const summary = (policy: RetentionPolicy): string => {
  const overrides = policy.environments.length
  return `Runs are ${days(policy.run_days)}${overrides === 0 ? "" : `, except in ${count(overrides)} ${overrides === 1 ? "environment" : "environments"} with a rule of its own`}.`
}

const ruleLabels: ReadonlyArray<readonly [Rule, string]> = [["account", "as the account"], ["forever", "keep forever"], ["days", "a number of days"]]

const Editor = ({ session, policy, environments, onSaved }: {
  readonly session: Session
  readonly policy: RetentionPolicy
  readonly environments: ReadonlyArray<Environment>
  readonly onSaved: (saved: RetentionPolicy) => void
}) => {
  const [draft, setDraft] = useState<Draft>(() => draftOf(policy))
  const action = useAction()
  const named = new Map(environments.map((e) => [e.id, e.name]))
  // An override naming an environment not listed stays in the policy (and on the page) until changed.
  const rows = [...environments.map((e) => e.id), ...Object.keys(draft.overrides).filter((id) => !named.has(id))]
  const set = (id: string, change: Partial<Override>) =>
    setDraft({ ...draft, overrides: { ...draft.overrides, [id]: { ...(draft.overrides[id] ?? { rule: "account", days: "" }), ...change } } })
  return (
    <form class="card" aria-label="Retention policy" onSubmit={action.submit(() => session.client.put("/retention_policy", bodyOf(draft), details(retentionPolicy, policy)), onSaved)}>
      <div class="field">
        <label for="retention-days">Days the account keeps a finished run (empty: forever)</label>
        <input
          id="retention-days"
          type="number"
          min="1"
          max={maxRunDays}
          step="1"
          value={draft.run_days}
          onInput={(event) => setDraft({ ...draft, run_days: event.currentTarget.value })}
        />
      </div>
      {rows.length === 0 ? <Empty>The account has no environment yet: the account's days apply to every run.</Empty> : (
        <table>
          <caption>Per environment</caption>
          <thead><tr><th scope="col">Environment</th><th scope="col">Rule</th><th scope="col">Days</th></tr></thead>
          <tbody>
            {rows.map((id) => {
              const override = draft.overrides[id] ?? { rule: "account", days: "" }
              const name = named.get(id) ?? `environment ${shortId(id)}`
              return (
                <tr key={id}>
                  <th scope="row">{name}</th>
                  <td>
                    <select
                      aria-label={`${name}: rule`}
                      value={override.rule}
                      onChange={(event) => {
                        const rule = ruleLabels.find(([value]) => value === event.currentTarget.value)?.[0] ?? "account"
                        set(id, { rule })
                      }}
                    >
                      {ruleLabels.map(([value, label]) => <option key={value} value={value}>{label}</option>)}
                    </select>
                  </td>
                  <td>
                    <input
                      type="number"
                      min="1"
                      max={maxRunDays}
                      step="1"
                      aria-label={`${name}: days`}
                      disabled={override.rule !== "days"}
                      required={override.rule === "days"}
                      value={override.days}
                      onInput={(event) => set(id, { days: event.currentTarget.value })}
                    />
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
      {action.failure === null ? null : <Failed failure={action.failure} doing="save the retention policy" />}
      <div class="actions">
        <button type="submit" disabled={action.busy}>{action.busy ? "Saving…" : "Save policy"}</button>
      </div>
    </form>
  )
}

export const Retention = ({ session }: { readonly session: Session }) => {
  useTitle("Retention")
  const [said, setSaid] = useState<string | null>(null)
  const loaded = useAnswer(async () => {
    const [policy, environments] = await Promise.all([
      session.client.get("/retention_policy", details(retentionPolicy, retentionPlaceholder)),
      session.client.get("/environment", page(environment), { "pagination[page_size]": maxPageSize })
    ])
    if (policy._tag === "Failed") return policy
    return { _tag: "Ok" as const, value: { policy: policy.value, environments: environments._tag === "Ok" ? environments.value.items : [] } }
  }, [session])
  return (
    <section>
      <h1>Retention</h1>
      <p>
        The server's retention job deletes, on its schedule, the runs that finished more than the days set here ago, with their spans. Runs
        never finished are kept. Each pass is in the <Link to={auditHref({ action: "retention.sweep" })}>audit log</Link> with what it deleted.
      </p>
      {said === null ? null : <Done>{said}</Done>}
      {loaded.state._tag === "Loading" ? <Loading what="the retention policy" /> : null}
      {loaded.state._tag === "Failed" ? <Failed failure={loaded.state.failure} retry={loaded.reload} doing="read the retention policy" /> : null}
      {loaded.state._tag === "Ok"
        ? (
          <>
            <p class="policy-summary">
              {summary(loaded.state.value.policy)}{" "}
              <span class="muted">
                {loaded.state.value.policy.updated_at === null ? "No policy has been set." : `Last changed ${dateTime(loaded.state.value.policy.updated_at)}.`}
              </span>
            </p>
            <Editor
              key={loaded.state.value.policy.updated_at ?? "unset"}
              session={session}
              policy={loaded.state.value.policy}
              environments={loaded.state.value.environments}
              onSaved={(saved) => {
                setSaid(`Saved. ${summary(saved)}`)
                loaded.reload()
              }}
            />
          </>
        )
        : null}
    </section>
  )
}
