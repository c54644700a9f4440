/**
 * The domain's failures on the wire: each tagged error maps once to an HTTP status and a Prefactor
 * error envelope `{status:"error", code, message, ...}`, and back. Failures that never reach a
 * handler (an unreadable body, an unknown route) use the same envelope (`Refusals.ts`).
 * Messages and field errors are bounded (`Bounded.ts`): they may echo what a client sent.
 */
import { Conflict, InvalidAction, InvalidInput, NotFound, NotPermitted, Unauthenticated } from "@agentledger/domain"
import * as HttpApiSchema from "@effect/platform/HttpApiSchema"
import { Schema } from "effect"
import * as Bounded from "./Bounded.js"

const envelope = <const Code extends string, Fields extends Schema.Struct.Fields>(code: Code, fields: Fields) =>
  Schema.Struct({ status: Schema.Literal("error"), code: Schema.Literal(code), message: Schema.String, ...fields })

const Errors = InvalidInput.fields.errors

export const InvalidInputError = Schema.transform(
  envelope("validation_errors", { errors: Errors }),
  Schema.typeSchema(InvalidInput),
  {
    strict: true,
    decode: (wire) => new InvalidInput({ message: wire.message, errors: wire.errors }),
    encode: (error) => ({ status: "error" as const, code: "validation_errors" as const, ...Bounded.envelope(error.message, error.errors) })
  }
).annotations(HttpApiSchema.annotations({ status: 400, description: "The request breaks a rule (`validation_errors`)" }))

export const NotFoundError = Schema.transform(
  envelope("not_found", { entity: Schema.String, id: Schema.String }),
  Schema.typeSchema(NotFound),
  {
    strict: true,
    decode: (wire) => new NotFound({ entity: wire.entity, id: wire.id }),
    encode: (error) => ({
      status: "error" as const,
      code: "not_found" as const,
      message: Bounded.text(error.message, Bounded.maxMessage),
      entity: error.entity,
      id: Bounded.text(error.id)
    })
  }
).annotations(HttpApiSchema.annotations({ status: 404, description: "No such record in the caller's account (`not_found`)" }))

export const InvalidActionError = Schema.transform(
  envelope("invalid_action", { entity: Schema.String, id: Schema.String, action: Schema.String, current_status: Schema.String }),
  Schema.typeSchema(InvalidAction),
  {
    strict: true,
    decode: (wire) => new InvalidAction({ entity: wire.entity, id: wire.id, action: wire.action, status: wire.current_status }),
    encode: (error) => ({
      status: "error" as const,
      code: "invalid_action" as const,
      message: Bounded.text(error.message, Bounded.maxMessage),
      entity: error.entity,
      id: Bounded.text(error.id),
      action: error.action,
      current_status: error.status
    })
  }
).annotations(HttpApiSchema.annotations({ status: 409, description: "Not allowed in the record's current status (`invalid_action`)" }))

/** An error whose only field is its message. */
const messageOnly = <const Code extends string, E extends { readonly message: string }>(
  code: Code,
  error: Schema.Schema<E>,
  make: (message: string) => E,
  status: number,
  description: string
) =>
  Schema.transform(Schema.Struct({ status: Schema.Literal("error"), code: Schema.Literal(code), message: Schema.String }), error, {
    strict: true,
    decode: (wire) => make(wire.message),
    encode: (failure) => ({ status: "error" as const, code, message: Bounded.text(failure.message, Bounded.maxMessage) })
  }).annotations(HttpApiSchema.annotations({ status, description }))

export const ConflictError = messageOnly(
  "conflict",
  Schema.typeSchema(Conflict),
  (message) => new Conflict({ message }),
  409,
  "Breaks a uniqueness or reference rule (`conflict`)"
)

export const UnauthenticatedError = messageOnly(
  "unauthorized",
  Schema.typeSchema(Unauthenticated),
  (message) => new Unauthenticated({ message }),
  401,
  "Missing, unknown, suspended, revoked or expired token (`unauthorized`)"
)

export const NotPermittedError = messageOnly(
  "not_permitted",
  Schema.typeSchema(NotPermitted),
  (message) => new NotPermitted({ message }),
  403,
  "The token's scope does not reach this action (`not_permitted`)"
)

/** Every failure of the domain. */
export type DomainError = InvalidInput | NotFound | InvalidAction | Conflict | Unauthenticated | NotPermitted

/** Every domain failure's wire form. */
export const DomainErrors = [InvalidInputError, NotFoundError, InvalidActionError, ConflictError, UnauthenticatedError, NotPermittedError] as const
