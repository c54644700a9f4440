/**
 * The routes of the contract as the server's own OpenAPI document lists them, with their query
 * parameters, and every property name its schemas mention: what the bad-input tests check their
 * route lists against and draw arbitrary requests from.
 */
import { Schema } from "effect"
import * as B from "./badInput.js"

const HttpMethods = ["get", "post", "put", "delete", "patch"] as const
const OpenApiParameter = Schema.Struct({ name: Schema.String, in: Schema.String })
const OpenApiOperation = Schema.Struct({ parameters: Schema.optional(Schema.Array(OpenApiParameter)) })
const OpenApiDocument = Schema.Struct({
  paths: Schema.Record({ key: Schema.String, value: Schema.Record({ key: Schema.String, value: Schema.Unknown }) })
})

export interface Route {
  /** The path template, e.g. `/api/v1/agent/{id}`. */
  readonly path: string
  readonly method: string
  /** The names of its query parameters. */
  readonly query: ReadonlyArray<string>
}

const isOperationOf = Schema.is(OpenApiOperation)

/** Every route of the document, and every property name its schemas mention. */
export const contractRoutes = async (base: string): Promise<{ readonly routes: ReadonlyArray<Route>; readonly fields: ReadonlyArray<string> }> => {
  const response = await fetch(`${base}/openapi.json`)
  const document: unknown = await response.json()
  const decoded = Schema.decodeUnknownSync(OpenApiDocument)(document)
  const routes: Array<Route> = []
  for (const [path, item] of Object.entries(decoded.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (!HttpMethods.some((known) => known === method)) continue
      const parameters = isOperationOf(operation) ? operation.parameters ?? [] : []
      routes.push({ path, method: method.toUpperCase(), query: parameters.filter((p) => p.in === "query").map((p) => p.name) })
    }
  }
  // Every key of every `properties` object anywhere in the document: the fields bodies may name.
  const fields = new Set<string>()
  const stack: Array<unknown> = [document]
  for (let node = stack.pop(); node !== undefined || stack.length > 0; node = stack.pop()) {
    if (Array.isArray(node)) stack.push(...node)
    else if (B.isRecord(node)) {
      const properties = node["properties"]
      if (B.isRecord(properties)) for (const key of Object.keys(properties)) fields.add(key)
      stack.push(...Object.values(node))
    }
  }
  return { routes, fields: [...fields].sort() }
}
