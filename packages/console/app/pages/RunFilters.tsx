/**
 * The filters of the runs list, read from and written to the URL's query (the API's parameter
 * names), so that a filtered view is shared by its address. Times are entered in local time and
 * sent as ISO-8601.
 */
import { useState } from "preact/hooks"
import type { Environment } from "../api/Account.js"
import { type Agent, type AgentVersion, agentVersion } from "../api/Agents.js"
import type { Answer, Client } from "../api/Client.js"
import { maxPageSize, page } from "../api/Page.js"
import { purposes, riskLevels, statuses } from "../api/Runs.js"
import { FilterButtons } from "../ui/FilterButtons.js"
import { words } from "../ui/Format.js"
import { useAnswer } from "../ui/Load.js"
import { fromLocalInput, toLocalInput } from "../ui/LocalTime.js"

/** The query parameters of the list, as the API names them (console-spec: GET /agent_instance). */
export const filterNames = [
  "agent_id",
  "environment_id",
  "agent_version_id",
  "status",
  "risk_level",
  "peak_risk_level",
  "flagged",
  "purpose",
  "started_after",
  "started_before",
  "sort"
] as const
export type FilterName = (typeof filterNames)[number]
export type Filters = Readonly<Partial<Record<FilterName, string | undefined>>>

export const filtersOf = (query: URLSearchParams): Filters => {
  const out: Partial<Record<FilterName, string>> = {}
  for (const name of filterNames) {
    const value = query.get(name)
    if (value !== null && value !== "") out[name] = value
  }
  return out
}

const Choice = ({ name, label, value, options, onChange, unset = "any" }: {
  readonly name: FilterName
  /** What the empty choice means. */
  readonly unset?: string
  readonly label: string
  readonly value: string | undefined
  readonly options: ReadonlyArray<readonly [string, string]>
  readonly onChange: (name: FilterName, value: string | undefined) => void
}) => (
  <div class="field">
    <label for={`filter-${name}`}>{label}</label>
    <select id={`filter-${name}`} value={value ?? ""} onChange={(event) => onChange(name, event.currentTarget.value || undefined)}>
      <option value="">{unset}</option>
      {options.map(([optionValue, optionLabel]) => <option key={optionValue} value={optionValue}>{optionLabel}</option>)}
    </select>
  </div>
)

export const RunFilters = ({ client, filters, agents, environments, onApply }: {
  readonly client: Client
  readonly filters: Filters
  readonly agents: ReadonlyArray<Agent>
  readonly environments: ReadonlyArray<Environment>
  readonly onApply: (filters: Filters) => void
}) => {
  const [draft, setDraft] = useState<Filters>(filters)
  // With an agent chosen, its versions by name; without one, a version is named by its id.
  const versions = useAnswer(
    async (): Promise<Answer<ReadonlyArray<AgentVersion>>> => {
      if (draft.agent_id === undefined) return { _tag: "Ok", value: [] }
      const answer = await client.get("/agent_version", page(agentVersion), { agent_id: draft.agent_id, "pagination[page_size]": maxPageSize })
      return answer._tag === "Ok" ? { _tag: "Ok", value: answer.value.items } : answer
    },
    [client, draft.agent_id]
  )
  const agentVersions = versions.state._tag === "Ok" ? versions.state.value : []
  // A version belongs to one agent: choosing another agent forgets it.
  const set = (name: FilterName, value: string | undefined) =>
    setDraft(name === "agent_id" ? { ...draft, agent_id: value, agent_version_id: undefined } : { ...draft, [name]: value })
  const levels = riskLevels.map((level) => [level, level] as const)
  return (
    <form
      class="filters"
      aria-label="Filter runs"
      onSubmit={(event) => {
        event.preventDefault()
        onApply(draft)
      }}
    >
      <Choice name="agent_id" label="Agent" value={draft.agent_id} options={agents.map((a) => [a.id, a.name] as const)} onChange={set} />
      <Choice name="environment_id" label="Environment" value={draft.environment_id} options={environments.map((e) => [e.id, e.name] as const)} onChange={set} />
      {draft.agent_id === undefined
        ? (
          <div class="field">
            <label for="filter-agent_version_id">Version id</label>
            <input id="filter-agent_version_id" value={draft.agent_version_id ?? ""} onInput={(event) => set("agent_version_id", event.currentTarget.value.trim() || undefined)} />
          </div>
        )
        : <Choice name="agent_version_id" label="Version" value={draft.agent_version_id} options={agentVersions.map((v) => [v.id, `${v.external_identifier ?? "unnamed"} (#${v.sequence})`] as const)} onChange={set} />}
      <Choice name="status" label="Status" value={draft.status} options={statuses.map((s) => [s, words(s)] as const)} onChange={set} />
      <Choice name="risk_level" label="Risk level" value={draft.risk_level} options={levels} onChange={set} />
      <Choice name="peak_risk_level" label="Peak risk level" value={draft.peak_risk_level} options={levels} onChange={set} />
      <Choice name="flagged" label="Conformance" value={draft.flagged} options={[["true", "has flagged spans"], ["false", "nothing flagged"]]} onChange={set} />
      <Choice name="purpose" label="Purpose" value={draft.purpose} options={purposes.map((p) => [p, words(p)] as const)} onChange={set} />
      <div class="field">
        <label for="filter-started_after">Started from</label>
        <input id="filter-started_after" type="datetime-local" value={toLocalInput(draft.started_after)} onInput={(event) => set("started_after", fromLocalInput(event.currentTarget.value))} />
      </div>
      <div class="field">
        <label for="filter-started_before">Started before</label>
        <input id="filter-started_before" type="datetime-local" value={toLocalInput(draft.started_before)} onInput={(event) => set("started_before", fromLocalInput(event.currentTarget.value))} />
      </div>
      <Choice name="sort" label="Order" value={draft.sort} options={[["started_at", "oldest first"]]} unset="newest first" onChange={set} />
      <FilterButtons
        onClear={() => {
          setDraft({})
          onApply({})
        }}
      />
    </form>
  )
}
