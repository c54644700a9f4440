/**
 * Reading the API's JSON into the console's types, without trusting it: a `Reader` reads the
 * fields of one object, records the first field that is not what the console expects, and
 * `read` answers either the value or where it went wrong. The console cannot bundle the
 * contract's Schemas (they bring the whole of Effect into the browser); `Contract.ts` checks at
 * compile time that what these readers produce is what the contract encodes.
 */

/** A value read, or the field that was not what the console reads. */
export type Read<A> =
  | { readonly _tag: "Read"; readonly value: A }
  | { readonly _tag: "Unreadable"; readonly path: string; readonly expected: string }

interface Problem {
  readonly path: string
  readonly expected: string
}

export const isRecord = (value: unknown): value is Readonly<Record<string, unknown>> =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** The fields of one JSON object. A wrong field gives a placeholder and is recorded; `read` then discards the value. */
export class Reader {
  readonly #record: Readonly<Record<string, unknown>>
  readonly #path: string
  readonly #problems: Array<Problem>

  constructor(record: Readonly<Record<string, unknown>>, path: string, problems: Array<Problem>) {
    this.#record = record
    this.#path = path
    this.#problems = problems
  }

  #at(key: string): unknown {
    return Object.hasOwn(this.#record, key) ? this.#record[key] : undefined
  }

  #wrong<A>(key: string, expected: string, placeholder: A): A {
    this.#problems.push({ path: `${this.#path}.${key}`, expected })
    return placeholder
  }

  #nested(key: string, value: unknown): Reader | undefined {
    return isRecord(value) ? new Reader(value, `${this.#path}.${key}`, this.#problems) : undefined
  }

  /** Whether the object has the field at all (for fields a newer server adds). */
  has(key: string): boolean {
    return this.#at(key) !== undefined
  }

  string(key: string): string {
    const value = this.#at(key)
    return typeof value === "string" ? value : this.#wrong(key, "text", "")
  }

  nullableString(key: string): string | null {
    const value = this.#at(key)
    return value === null ? null : typeof value === "string" ? value : this.#wrong(key, "text or null", null)
  }

  number(key: string): number {
    const value = this.#at(key)
    return typeof value === "number" && Number.isFinite(value) ? value : this.#wrong(key, "a number", 0)
  }

  nullableNumber(key: string): number | null {
    const value = this.#at(key)
    return value === null ? null : typeof value === "number" && Number.isFinite(value) ? value : this.#wrong(key, "a number or null", null)
  }

  boolean(key: string): boolean {
    const value = this.#at(key)
    return typeof value === "boolean" ? value : this.#wrong(key, "true or false", false)
  }

  /** One of `values`. */
  oneOf<const L extends string>(key: string, values: readonly [L, ...Array<L>]): L {
    const value = this.#at(key)
    const found = values.find((candidate) => candidate === value)
    return found ?? this.#wrong(key, `one of ${values.join(", ")}`, values[0])
  }

  nullableOneOf<const L extends string>(key: string, values: readonly [L, ...Array<L>]): L | null {
    return this.#at(key) === null ? null : this.oneOf(key, values)
  }

  /** Any JSON (a payload, a definition): shown, never interpreted. */
  json(key: string): unknown {
    return this.#at(key) ?? null
  }

  object<A>(key: string, read: (reader: Reader) => A, placeholder: A): A {
    const nested = this.#nested(key, this.#at(key))
    return nested === undefined ? this.#wrong(key, "an object", placeholder) : read(nested)
  }

  nullableObject<A>(key: string, read: (reader: Reader) => A): A | null {
    const value = this.#at(key)
    if (value === null) return null
    const nested = this.#nested(key, value)
    return nested === undefined ? this.#wrong(key, "an object or null", null) : read(nested)
  }

  /** An array of objects. */
  array<A>(key: string, read: (reader: Reader) => A): ReadonlyArray<A> {
    const value = this.#at(key)
    if (!Array.isArray(value)) return this.#wrong(key, "a list", [])
    const out: Array<A> = []
    value.forEach((item: unknown, index) => {
      const nested = this.#nested(`${key}[${index}]`, item)
      if (nested === undefined) this.#wrong(`${key}[${index}]`, "an object", undefined)
      else out.push(read(nested))
    })
    return out
  }

  strings(key: string): ReadonlyArray<string> {
    const value = this.#at(key)
    if (!Array.isArray(value)) return this.#wrong(key, "a list of text", [])
    return value.filter((item: unknown): item is string => typeof item === "string")
  }

  /** An object whose values are all numbers (counts by status, by level). */
  numbers(key: string): Readonly<Record<string, number>> {
    const value = this.#at(key)
    if (!isRecord(value)) return this.#wrong(key, "an object of numbers", {})
    const out: Record<string, number> = {}
    for (const [name, count] of Object.entries(value)) {
      if (typeof count === "number") out[name] = count
      else this.#wrong(`${key}.${name}`, "a number", undefined)
    }
    return out
  }

  /** An object whose values are all text (a declaration's actions or categories). */
  texts(key: string): Readonly<Record<string, string>> {
    const value = this.#at(key)
    if (!isRecord(value)) return this.#wrong(key, "an object of text", {})
    const out: Record<string, string> = {}
    for (const [name, text] of Object.entries(value)) {
      if (typeof text === "string") out[name] = text
      else this.#wrong(`${key}.${name}`, "text", undefined)
    }
    return out
  }

  /** An object whose values are objects, as entries in the server's order. */
  entries<A>(key: string, read: (reader: Reader) => A): ReadonlyArray<readonly [string, A]> {
    const value = this.#at(key)
    if (!isRecord(value)) return this.#wrong(key, "an object", [])
    const out: Array<readonly [string, A]> = []
    for (const [name, item] of Object.entries(value)) {
      const nested = this.#nested(`${key}.${name}`, item)
      if (nested === undefined) this.#wrong(`${key}.${name}`, "an object", undefined)
      else out.push([name, read(nested)])
    }
    return out
  }
}

/** Reads `value` as an object with `read`. */
export const read = <A>(value: unknown, reader: (reader: Reader) => A, path = "answer"): Read<A> => {
  if (!isRecord(value)) return { _tag: "Unreadable", path, expected: "an object" }
  const problems: Array<Problem> = []
  const out = reader(new Reader(value, path, problems))
  const [first] = problems
  return first === undefined ? { _tag: "Read", value: out } : { _tag: "Unreadable", path: first.path, expected: first.expected }
}
