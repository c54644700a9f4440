/**
 * JSON in HTTP tests: the type of a request body, and reading answers whose shape is under test
 * (narrowing `unknown` JSON without casts).
 */

/** A JSON value, as a request body is written. */
export type Json = null | boolean | number | string | ReadonlyArray<Json> | { readonly [key: string]: Json }

export const isObject = (value: unknown): value is { readonly [key: string]: unknown } =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/**
 * The value at a path of keys and indexes, or undefined where the path leaves the document.
 * Keys are own keys only, so that `__proto__` is looked up as the key it is in JSON.
 */
export const field = (value: unknown, ...path: ReadonlyArray<string | number>): unknown => {
  let current = value
  for (const key of path) {
    if (typeof key === "number") current = Array.isArray(current) ? current[key] : undefined
    else current = isObject(current) && Object.hasOwn(current, key) ? current[key] : undefined
  }
  return current
}

/** The string at a path; throws (with the document) when there is none. */
export const textAt = (value: unknown, ...path: ReadonlyArray<string | number>): string => {
  const found = field(value, ...path)
  if (typeof found !== "string") throw new Error(`no string at ${path.join(".")} in ${JSON.stringify(value)?.slice(0, 600)}`)
  return found
}
