/**
 * Content perturbations: each one changes what a schema or a version means, so that its content
 * key (and its fingerprint) differs from the original's.
 */
import { DataRisk, type Json } from "@agentledger/domain"
import { canonical } from "../reference.js"
import { schemaContentKey, type SchemaSpec, spanTypeNames, type VersionSpec } from "../specs.js"

/** The spec with one thing about it changed; its content key differs from the original's. */
export const changeSchema = (spec: SchemaSpec, choice: number): SchemaSpec => {
  const [first, ...rest] = spec.types
  const candidates: Array<SchemaSpec> = [
    { ...spec, external_identifier: spec.external_identifier === null ? "changed" : `${spec.external_identifier}-changed` }
  ]
  if (first !== undefined) {
    const params: Json.Json = { type: "object", properties: { changed: { type: "boolean" } } }
    candidates.push({ ...spec, types: [{ ...first, params: canonical(first.params) === canonical(params) ? {} : params }, ...rest] })
    candidates.push({ ...spec, types: [{ ...first, result: { type: "object", required: ["changed"] } }, ...rest] })
    candidates.push({ ...spec, types: [{ ...first, title: first.title === null ? "Changed title" : null }, ...rest] })
    const flip = first.data_risk.action_profile.destroy_data === "allowed" ? "disallowed" : "allowed"
    candidates.push({
      ...spec,
      types: [{ ...first, data_risk: { ...first.data_risk, action_profile: { ...first.data_risk.action_profile, destroy_data: flip } } }, ...rest]
    })
    if (rest.length > 0) candidates.push({ ...spec, types: rest })
  }
  const unused = spanTypeNames.find((name) => !spec.types.some((t) => t.name === name))
  if (unused !== undefined) {
    candidates.push({
      ...spec,
      types: [...spec.types, { name: unused, params: {}, result: {}, title: null, description: null, data_risk: DataRisk.unknownDataRisk }]
    })
  }
  const key = schemaContentKey(spec)
  const changed = candidates.filter((c) => schemaContentKey(c) !== key)
  return changed[choice % changed.length] ?? candidates[0] ?? spec
}

export const changeVersion = (spec: VersionSpec, choice: number): VersionSpec => {
  const candidates: Array<VersionSpec> = [
    { ...spec, external_identifier: spec.external_identifier === null ? "9.9.9" : `${spec.external_identifier}+1` },
    { ...spec, os: spec.os === "plan9" ? null : "plan9" },
    { ...spec, agent_sdk: spec.agent_sdk === null ? ["crewai@0.1.0"] : [...spec.agent_sdk, "crewai@0.1.0"] },
    { ...spec, runtime: spec.runtime === null ? "bun 1.1.0" : null }
  ]
  return candidates[choice % candidates.length] ?? spec
}
