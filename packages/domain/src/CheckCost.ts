/**
 * What checking a value against a definition can cost, known before the check runs, so that a
 * host can keep expensive checks off its serving thread.
 *
 * A compiled validator evaluates each subschema at most once per instance location it applies
 * to. Expanding the definition's `$ref`s into a tree, cut where the instance can nest no deeper,
 * gives the number of subschema evaluations one instance node can cause: its weight. Two `$ref`s
 * to `#` under an `allOf` double the weight at every level, which is how a 146-byte payload kept
 * a validator busy for seconds; a tree-shaped recursive definition grows the weight by a constant
 * per level. The cost of a check is then at most
 *
 *   weight(depth) × nodes + scans(depth) × characters (+ nodes² when `uniqueItems` is present)
 *
 * where `scans` counts the keywords that read a string's characters (`pattern`, lengths, `enum`,
 * `const`, property names). The bound is loose, and that is its job: a check under the budget
 * is cheap whatever the definition and the value are.
 */
import { depth, maxDepth } from "./Json.js"

/** The cost model of one definition, by the depth of the value it checks. */
export interface DefinitionCost {
  /** `weights[d]`: subschema evaluations per instance node, for values nesting at most `d` deep. */
  readonly weights: ReadonlyArray<number>
  /** `scans[d]`: keywords that read every character of a string, likewise. */
  readonly scans: ReadonlyArray<number>
  /** Whether `uniqueItems` appears: Ajv compares non-scalar items pairwise. */
  readonly quadratic: boolean
}

/** Past this, a weight is as good as infinite (and is kept as `Infinity`). */
const saturated = 1e15

const add = (a: number, b: number) => {
  const sum = a + b
  return sum >= saturated ? Infinity : sum
}

/** Keywords whose subschemas apply at the same instance location. */
const inPlaceLists: ReadonlySet<string> = new Set(["allOf", "anyOf", "oneOf"])
const inPlaceSingles: ReadonlySet<string> = new Set(["not", "if", "then", "else"])
/** Keywords whose subschemas apply to the instance's children. */
const childMaps: ReadonlySet<string> = new Set(["properties", "patternProperties"])
const childSingles: ReadonlySet<string> = new Set([
  "additionalProperties",
  "additionalItems",
  "contains",
  "propertyNames",
  "unevaluatedProperties",
  "unevaluatedItems",
  "items",
  "prefixItems"
])
/** Keywords that read a string's characters (or compare whole values). */
const scanning: ReadonlySet<string> = new Set(["pattern", "minLength", "maxLength", "enum", "const", "patternProperties", "propertyNames"])
/** References this model does not resolve: they may go anywhere, so their weight is unbounded. */
const dynamicRefs: ReadonlySet<string> = new Set(["$dynamicRef", "$recursiveRef"])

type Node = unknown

const isObject = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The number of JSON values in a keyword's value (an `enum` of 1,000 items weighs 1,001). */
const valueSize = (value: unknown): number => {
  let count = 0
  const stack: Array<unknown> = [value]
  for (let top = stack.pop(); top !== undefined || stack.length > 0; top = stack.pop()) {
    count++
    if (typeof top === "object" && top !== null) for (const child of Object.values(top)) stack.push(child)
    if (count >= saturated) break
  }
  return count
}

/** Resolves `#` and `#/json/pointer` references against the root; anything else is unresolved. */
const resolve = (root: Node, ref: string): Node | undefined => {
  if (ref === "#") return root
  if (!ref.startsWith("#/")) return undefined
  let node: unknown = root
  for (const raw of ref.slice(2).split("/")) {
    const token = decodeURIComponent(raw).replace(/~1/g, "/").replace(/~0/g, "~")
    if (Array.isArray(node)) node = node[Number(token)]
    else if (isObject(node) && Object.hasOwn(node, token)) node = node[token]
    else return undefined
  }
  return node
}

interface Weight {
  readonly weight: number
  readonly scans: number
}

const unbounded: Weight = { weight: Infinity, scans: Infinity }
const nothing: Weight = { weight: 0, scans: 0 }

const hasRef = (definition: unknown): boolean => {
  const stack: Array<unknown> = [definition]
  for (let top = stack.pop(); top !== undefined || stack.length > 0; top = stack.pop()) {
    if (isObject(top) && (Object.hasOwn(top, "$ref") || [...dynamicRefs].some((key) => Object.hasOwn(top, key)))) return true
    if (typeof top === "object" && top !== null) for (const child of Object.values(top)) stack.push(child)
  }
  return false
}

/**
 * The cost model of a definition, for every depth up to `Json.maxDepth`: one weight per
 * (subschema, depth), each computed once. Run once per definition, when it is compiled.
 */
export const definitionCost = (definition: unknown): DefinitionCost => {
  let quadratic = false
  const tables: Array<Map<Node, Weight>> = []
  const visiting: Array<Set<Node>> = []
  const weigh = (node: Node, depth: number): Weight => {
    if (depth < 0) return nothing
    const table = tables[depth] ??= new Map()
    const known = table.get(node)
    if (known !== undefined) return known
    const open = visiting[depth] ??= new Set()
    // A subschema that reaches itself without the instance getting deeper never ends.
    if (open.has(node)) return unbounded
    open.add(node)
    const result = weighNode(node, depth)
    open.delete(node)
    table.set(node, result)
    return result
  }
  const weighNode = (node: Node, depth: number): Weight => {
    if (!isObject(node)) return { weight: 1, scans: 0 }
    let weight = 1
    let scan = 0
    const include = (part: Weight) => {
      weight = add(weight, part.weight)
      scan = add(scan, part.scans)
    }
    for (const [keyword, value] of Object.entries(node)) {
      if (inPlaceLists.has(keyword) && Array.isArray(value)) {
        for (const item of value) include(weigh(item, depth))
      } else if (inPlaceSingles.has(keyword)) {
        include(weigh(value, depth))
      } else if (keyword === "dependentSchemas" || keyword === "dependencies") {
        if (isObject(value)) {
          for (const item of Object.values(value)) include(Array.isArray(item) ? { weight: item.length, scans: 0 } : weigh(item, depth))
        }
      } else if (childMaps.has(keyword)) {
        if (isObject(value)) for (const item of Object.values(value)) include(weigh(item, depth - 1))
        weight = add(weight, isObject(value) ? Object.keys(value).length : 1)
        if (keyword === "patternProperties") scan = add(scan, isObject(value) ? Object.keys(value).length : 1)
      } else if (childSingles.has(keyword)) {
        if (Array.isArray(value)) for (const item of value) include(weigh(item, depth - 1))
        else include(weigh(value, depth - 1))
        if (keyword === "propertyNames") scan = add(scan, 1)
      } else if (keyword === "$ref") {
        const target = typeof value === "string" ? resolve(definition, value) : undefined
        include(target === undefined ? unbounded : weigh(target, depth))
      } else if (dynamicRefs.has(keyword)) {
        include(unbounded)
      } else if (keyword !== "$defs" && keyword !== "definitions") {
        // Definitions cost nothing until referenced; every other keyword costs its size.
        if (keyword === "uniqueItems" && value === true) quadratic = true
        const size = valueSize(value)
        weight = add(weight, size)
        if (scanning.has(keyword)) scan = add(scan, size)
      }
    }
    return { weight, scans: scan }
  }
  // Without references the weight stops growing past the definition's own nesting.
  const last = hasRef(definition) ? maxDepth + 1 : Math.min(maxDepth + 1, depth(definition) + 1)
  const weights: Array<number> = []
  const scans: Array<number> = []
  for (let level = 0; level <= maxDepth + 1; level++) {
    let root: Weight
    if (level > last) root = { weight: weights[last] ?? Infinity, scans: scans[last] ?? Infinity }
    else {
      try {
        root = weigh(definition, level)
      } catch {
        // A reference chain deep enough to exhaust the stack: unbounded, so checked off-thread.
        root = unbounded
      }
    }
    weights.push(root.weight)
    scans.push(root.scans)
  }
  return { weights, scans, quadratic }
}

/** How big a value is for a check: its nodes (values and keys), characters and depth. */
export interface ValueSize {
  readonly nodes: number
  readonly characters: number
  readonly depth: number
}

/**
 * Measures a value, stopping once it is past `limit` nodes and characters together (the check
 * goes to a worker then anyway), so that measuring a huge value costs no more than the budget.
 */
export const measure = (value: unknown, limit: number): ValueSize => {
  let nodes = 0
  let characters = 0
  let deepest = 0
  const stack: Array<readonly [unknown, number]> = [[value, 0]]
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [node, level] = top
    nodes++
    if (level > deepest) deepest = level
    if (typeof node === "string") characters += node.length
    else if (Array.isArray(node)) for (const child of node) stack.push([child, level + 1])
    else if (typeof node === "object" && node !== null) {
      for (const [key, child] of Object.entries(node)) {
        nodes++
        characters += key.length
        stack.push([child, level + 1])
      }
    }
    if (nodes + characters > limit) return { nodes: Infinity, characters: Infinity, depth: Infinity }
  }
  return { nodes, characters, depth: deepest }
}

/** The bound on the work of checking a value of that size against a definition of that cost. */
export const estimate = (cost: DefinitionCost, size: ValueSize): number => {
  if (!Number.isFinite(size.depth)) return Infinity
  const at = Math.min(size.depth, cost.weights.length - 1)
  const weight = cost.weights[at] ?? Infinity
  const scans = cost.scans[at] ?? Infinity
  const pairs = cost.quadratic ? size.nodes * size.nodes : 0
  return weight * size.nodes + scans * size.characters + pairs
}

/**
 * Whether checking `value` against a definition of this cost stays within `budget` units of
 * work. A definition of weight 1 (`true`, `{}`) checks in constant time whatever the value.
 */
export const withinBudget = (cost: DefinitionCost, value: unknown, budget: number): boolean => {
  if (!Number.isFinite(budget)) return true
  // Weights never fall as the depth grows, so the deepest says whether every one is 1.
  if ((cost.weights[cost.weights.length - 1] ?? Infinity) <= 1) return true
  const first = cost.weights[0] ?? Infinity
  if (!Number.isFinite(first)) return false
  return estimate(cost, measure(value, budget / Math.max(1, first))) <= budget
}
