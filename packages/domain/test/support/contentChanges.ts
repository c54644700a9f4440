/**
 * One content change to a span-type spec (activitySchemaForms.ts): a leaf of its params or
 * result schema, a display field, a data-risk flag, the external identifier, or a type added,
 * removed or renamed. The fingerprint must see every one of them, whatever forms carry the two
 * versions.
 */
import { FastCheck as fc, Schema } from "effect"
import { DataRisk, Json } from "@agentledger/domain"
import { leafPaths, perturbAt } from "../arbitraries.js"
import { dataRiskJson, type Spec, type TypeSpec } from "./activitySchemaForms.js"

const schemaParts = ["params", "result"] as const
const typeFields = ["title", "description", "template", "result_template", "rename", "remove"] as const
const shifts = [1, 2] as const

/** A change of content: which part of which type (indexes wrap around the spec's types). */
export type Change =
  | { readonly kind: (typeof schemaParts)[number]; readonly type: number; readonly leaf: number }
  | { readonly kind: (typeof typeFields)[number]; readonly type: number }
  | { readonly kind: "risk"; readonly type: number; readonly field: number; readonly shift: 1 | 2 }
  | { readonly kind: "external" }
  | { readonly kind: "add" }

/** Any change of content. */
export const changeArb: fc.Arbitrary<Change> = fc.oneof(
  fc.record({ kind: fc.constantFrom(...schemaParts), type: fc.nat(), leaf: fc.nat() }),
  fc.record({ kind: fc.constantFrom(...typeFields), type: fc.nat() }),
  fc.record({ kind: fc.constant("risk" as const), type: fc.nat(), field: fc.nat(), shift: fc.constantFrom(...shifts) }),
  fc.constant({ kind: "external" as const }),
  fc.constant({ kind: "add" as const })
)

const riskFields = [
  ...DataRisk.actions.map((a) => ["action_profile", a] as const),
  ...DataRisk.categories.map((c) => ["params_data_categories", c] as const),
  ...DataRisk.categories.map((c) => ["result_data_categories", c] as const),
  ["params_data_categories", "classification"] as const,
  ["result_data_categories", "classification"] as const
]

const cycle = (values: ReadonlyArray<string>, value: string, shift: number): string =>
  values[(values.indexOf(value) + shift) % values.length] ?? value

const shiftRisk = (risk: DataRisk.DataRisk, field: number, shift: 1 | 2): DataRisk.DataRisk => {
  const [section, key] = riskFields[field % riskFields.length] ?? riskFields[0] ?? ["action_profile", "read_data"]
  const permissions = ["allowed", "disallowed", "unknown"]
  const flags = ["included", "excluded", "unknown"]
  const json = dataRiskJson(risk, false)
  const current = json[section] ?? null
  const sectionJson: Json.JsonObject = Json.isJsonObject(current) ? current : {}
  const value = String(sectionJson[key] ?? "unknown")
  const next = key === "classification"
    ? cycle(DataRisk.classifications, value, shift)
    : cycle(section === "action_profile" ? permissions : flags, value, shift)
  return Schema.decodeUnknownSync(DataRisk.DataRisk)({ ...json, [section]: { ...sectionJson, [key]: next } })
}

/** The spec with `change` made, or undefined when it cannot be made to this spec (no type to change, a name taken). */
export const applyChange = (spec: Spec, change: Change): Spec | undefined => {
  if (change.kind === "external") return { ...spec, external: `${spec.external ?? ""}~` }
  if (change.kind === "add") {
    if (spec.types.some((t) => t.name === "added~")) return undefined
    const added: TypeSpec = {
      name: "added~",
      params: undefined,
      result: undefined,
      title: undefined,
      description: undefined,
      template: undefined,
      result_template: undefined,
      data_risk: undefined
    }
    return { ...spec, types: [...spec.types, added] }
  }
  if (spec.types.length === 0) return undefined
  const index = change.type % spec.types.length
  const target = spec.types[index]
  if (target === undefined) return undefined
  const replace = (t: TypeSpec | null): Spec => ({
    ...spec,
    types: spec.types.flatMap((old, i) => (i === index ? (t === null ? [] : [t]) : [old]))
  })
  switch (change.kind) {
    case "params":
    case "result": {
      const value = target[change.kind] ?? {}
      const paths = leafPaths(value)
      const path = paths[change.leaf % paths.length] ?? []
      return replace({ ...target, [change.kind]: perturbAt(value, path) })
    }
    case "title":
      return replace({ ...target, title: `${target.title ?? target.name}~` })
    case "description":
    case "template":
    case "result_template":
      return replace({ ...target, [change.kind]: `${target[change.kind] ?? ""}~` })
    case "rename":
      return spec.types.some((t) => t.name === `${target.name}~`) ? undefined : replace({ ...target, name: `${target.name}~` })
    case "remove":
      return replace(null)
    case "risk":
      return replace({ ...target, data_risk: shiftRisk(target.data_risk ?? DataRisk.unknownDataRisk, change.field, change.shift) })
  }
}
