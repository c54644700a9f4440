/**
 * Editing a risk profile: its name, thresholds, category weights and action multipliers, sent
 * whole (`PUT /risk_profile/{id}`); the API keeps every edit as a new revision and says what it
 * does not accept (weights 0–10, thresholds rising, …), field by field.
 */
import { useState } from "preact/hooks"
import { type RiskProfileDetails, riskProfileDetails } from "../../api/Account.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { Failed } from "../../ui/Feedback.js"
import { words } from "../../ui/Format.js"

interface Draft {
  readonly name: string
  readonly description: string
  readonly thresholds: Readonly<Record<"medium" | "high" | "critical", string>>
  readonly weights: ReadonlyArray<readonly [string, { readonly weight: string; readonly included: boolean }]>
  readonly multipliers: ReadonlyArray<readonly [string, { readonly multiplier: string; readonly included: boolean }]>
}

const draftOf = (profile: RiskProfileDetails): Draft => {
  const { rules } = profile.current_revision
  return {
    name: profile.name,
    description: profile.description ?? "",
    thresholds: { medium: String(rules.thresholds.medium), high: String(rules.thresholds.high), critical: String(rules.thresholds.critical) },
    weights: rules.category_weights.map(([name, rule]) => [name, { weight: String(rule.weight), included: rule.included }] as const),
    multipliers: rules.action_multipliers.map(([name, rule]) => [name, { multiplier: String(rule.multiplier), included: rule.included }] as const)
  }
}

/** The body of the edit; numbers the reader typed go as typed, for the API to judge. */
const bodyOf = (draft: Draft) => ({
  details: {
    name: draft.name.trim(),
    description: draft.description.trim() === "" ? null : draft.description.trim(),
    thresholds: { medium: Number(draft.thresholds.medium), high: Number(draft.thresholds.high), critical: Number(draft.thresholds.critical) },
    category_weights: Object.fromEntries(draft.weights.map(([name, rule]) => [name, { weight: Number(rule.weight), included: rule.included }])),
    action_multipliers: Object.fromEntries(draft.multipliers.map(([name, rule]) => [name, { multiplier: Number(rule.multiplier), included: rule.included }]))
  }
})

const levels = ["medium", "high", "critical"] as const

export const ProfileEditor = ({ session, profile, onSaved, onCancel }: {
  readonly session: Session
  readonly profile: RiskProfileDetails
  readonly onSaved: (saved: RiskProfileDetails) => void
  readonly onCancel: () => void
}) => {
  const [draft, setDraft] = useState<Draft>(() => draftOf(profile))
  const action = useAction()
  const submit = action.submit(() => session.client.put(`/risk_profile/${profile.id}`, bodyOf(draft), (r) => r.object("details", riskProfileDetails, profile)), onSaved)
  const setWeight = (index: number, change: Partial<{ weight: string; included: boolean }>) =>
    setDraft({ ...draft, weights: draft.weights.map((entry, i) => (i === index ? [entry[0], { ...entry[1], ...change }] as const : entry)) })
  const setMultiplier = (index: number, change: Partial<{ multiplier: string; included: boolean }>) =>
    setDraft({ ...draft, multipliers: draft.multipliers.map((entry, i) => (i === index ? [entry[0], { ...entry[1], ...change }] as const : entry)) })
  return (
    <form class="card rules" onSubmit={submit} aria-label="Edit the risk profile">
      <h2>Edit (saving makes revision {profile.revision + 1})</h2>
      <div class="inline-form">
        <div class="field">
          <label for="profile-name">Name</label>
          <input id="profile-name" required value={draft.name} onInput={(event) => setDraft({ ...draft, name: event.currentTarget.value })} />
        </div>
        <div class="field">
          <label for="profile-description">Description</label>
          <input id="profile-description" value={draft.description} onInput={(event) => setDraft({ ...draft, description: event.currentTarget.value })} />
        </div>
        {levels.map((level) => (
          <div class="field" key={level}>
            <label for={`threshold-${level}`}>{words(level)} from (points)</label>
            <input
              id={`threshold-${level}`}
              type="number"
              step="0.01"
              min="0"
              required
              value={draft.thresholds[level]}
              onInput={(event) => setDraft({ ...draft, thresholds: { ...draft.thresholds, [level]: event.currentTarget.value } })}
            />
          </div>
        ))}
      </div>
      <table>
        <caption>Data categories: weight 0–10 when included</caption>
        <thead>
          <tr><th scope="col">Category</th><th scope="col">Included</th><th scope="col">Weight</th></tr>
        </thead>
        <tbody>
          {draft.weights.map(([name, rule], index) => (
            <tr key={name}>
              <th scope="row">{words(name)}</th>
              <td><input type="checkbox" aria-label={`${words(name)} included`} checked={rule.included} onChange={(event) => setWeight(index, { included: event.currentTarget.checked })} /></td>
              <td><input type="number" min="0" max="10" step="1" aria-label={`${words(name)} weight`} value={rule.weight} onInput={(event) => setWeight(index, { weight: event.currentTarget.value })} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      <table>
        <caption>Actions: multiplier when included</caption>
        <thead>
          <tr><th scope="col">Action</th><th scope="col">Included</th><th scope="col">Multiplier</th></tr>
        </thead>
        <tbody>
          {draft.multipliers.map(([name, rule], index) => (
            <tr key={name}>
              <th scope="row">{words(name)}</th>
              <td><input type="checkbox" aria-label={`${words(name)} included`} checked={rule.included} onChange={(event) => setMultiplier(index, { included: event.currentTarget.checked })} /></td>
              <td><input type="number" min="0" step="0.01" aria-label={`${words(name)} multiplier`} value={rule.multiplier} onInput={(event) => setMultiplier(index, { multiplier: event.currentTarget.value })} /></td>
            </tr>
          ))}
        </tbody>
      </table>
      {action.failure === null ? null : <Failed failure={action.failure} doing="save the profile" />}
      <div class="actions">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="submit" disabled={action.busy}>{action.busy ? "Saving…" : "Save as a new revision"}</button>
      </div>
    </form>
  )
}
