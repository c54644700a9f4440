/**
 * The filters of the audit log, read from and written to the URL's query (the API's parameter
 * names), so that a filtered view of the log is shared by its address. The kinds of record and
 * the actions the log knows today are offered as suggestions; the API takes any text. Times are
 * entered in local time and sent as ISO 8601.
 */
import { useState } from "preact/hooks"
import { type AuditFilterName, type AuditFilters as Filters, actorTypes, knownActions, knownEntities } from "../../api/Audit.js"
import { FilterButtons } from "../../ui/FilterButtons.js"
import { dateTime, words } from "../../ui/Format.js"
import { fromLocalInput, toLocalInput } from "../../ui/LocalTime.js"

const actorLabels: Readonly<Record<(typeof actorTypes)[number], string>> = {
  api_token: "an API token",
  operator: "the operator",
  system: "the server (a scheduled job)"
}

const Text = ({ name, label, value, list, onChange }: {
  readonly name: AuditFilterName
  readonly label: string
  readonly value: string | undefined
  /** The id of a datalist of suggestions. */
  readonly list?: string
  readonly onChange: (name: AuditFilterName, value: string | undefined) => void
}) => (
  <div class="field">
    <label for={`audit-${name}`}>{label}</label>
    <input id={`audit-${name}`} list={list} autoComplete="off" spellcheck={false} value={value ?? ""} onInput={(event) => onChange(name, event.currentTarget.value.trim() || undefined)} />
  </div>
)

const When = ({ name, label, value, onChange }: {
  readonly name: AuditFilterName
  readonly label: string
  readonly value: string | undefined
  readonly onChange: (name: AuditFilterName, value: string | undefined) => void
}) => (
  <div class="field">
    <label for={`audit-${name}`}>{label}</label>
    <input id={`audit-${name}`} type="datetime-local" value={toLocalInput(value)} onInput={(event) => onChange(name, fromLocalInput(event.currentTarget.value))} />
  </div>
)

export const AuditFilters = ({ filters, onApply }: { readonly filters: Filters; readonly onApply: (filters: Filters) => void }) => {
  const [draft, setDraft] = useState<Filters>(filters)
  const set = (name: AuditFilterName, value: string | undefined) => setDraft({ ...draft, [name]: value })
  return (
    <form
      class="filters"
      aria-label="Filter the audit log"
      onSubmit={(event) => {
        event.preventDefault()
        onApply(draft)
      }}
    >
      <datalist id="audit-entities">{knownEntities.map((entity) => <option key={entity} value={entity} />)}</datalist>
      <datalist id="audit-actions">{knownActions.map((action) => <option key={action} value={action} />)}</datalist>
      <Text name="entity" label="Record kind" list="audit-entities" value={draft.entity} onChange={set} />
      <Text name="entity_id" label="Record id" value={draft.entity_id} onChange={set} />
      <div class="field">
        <label for="audit-actor_type">Made by</label>
        <select id="audit-actor_type" value={draft.actor_type ?? ""} onChange={(event) => set("actor_type", event.currentTarget.value || undefined)}>
          <option value="">anyone</option>
          {actorTypes.map((type) => <option key={type} value={type}>{actorLabels[type]}</option>)}
        </select>
      </div>
      <Text name="actor_id" label="Actor id (a token's id, a job's name)" value={draft.actor_id} onChange={set} />
      <Text name="action" label="Action" list="audit-actions" value={draft.action} onChange={set} />
      <When name="occurred_after" label="From" value={draft.occurred_after} onChange={set} />
      <When name="occurred_before" label="Before" value={draft.occurred_before} onChange={set} />
      <FilterButtons
        onClear={() => {
          setDraft({})
          onApply({})
        }}
      />
    </form>
  )
}

/** A filter in words, for the sentence that says what the list shows. */
export const filterWords = (filters: Filters): string => {
  const parts = [
    filters.entity === undefined ? null : `${words(filters.entity)} records`,
    filters.entity_id === undefined ? null : `record ${filters.entity_id}`,
    filters.actor_type === undefined ? null : `made by ${words(filters.actor_type)}`,
    filters.actor_id === undefined ? null : `actor ${filters.actor_id}`,
    filters.action === undefined ? null : `action ${filters.action}`,
    filters.occurred_after === undefined ? null : `from ${dateTime(filters.occurred_after)}`,
    filters.occurred_before === undefined ? null : `before ${dateTime(filters.occurred_before)}`
  ].filter((part): part is string => part !== null)
  return parts.join(", ")
}
