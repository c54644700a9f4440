/**
 * Reading answers whose shape is under test: narrowing `unknown` JSON without casts.
 */

export const isObject = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The value at a path of keys and indexes, or undefined where the path leaves the document. */
export const field = (value: unknown, ...path: ReadonlyArray<string | number>): unknown => {
  let current = value
  for (const key of path) {
    if (typeof key === "number") current = Array.isArray(current) ? current[key] : undefined
    else current = isObject(current) ? current[key] : undefined
  }
  return current
}
