/**
 * The typed failures of the domain. Each is a `Schema.TaggedError`, so it can be yielded, caught
 * by tag, compared structurally in tests and encoded by an adapter; the HTTP adapter maps each
 * tag once to a status and a Prefactor error code.
 */
import { Schema } from "effect"

/** The input is malformed or breaks a rule of its own (HTTP 400, `validation_errors`). */
export class InvalidInput extends Schema.TaggedError<InvalidInput>()("InvalidInput", {
  message: Schema.String,
  errors: Schema.Record({ key: Schema.String, value: Schema.Array(Schema.String) })
}) {
  static field(field: string, message: string): InvalidInput {
    return new InvalidInput({ message: `${field}: ${message}`, errors: { [field]: [message] } })
  }
}

/**
 * No record with this id in the caller's account (HTTP 404, `not_found`). A record of another
 * account answers exactly the same, so existence never leaks across the boundary.
 */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  entity: Schema.String,
  id: Schema.String
}) {
  override get message(): string {
    return `no ${this.entity} with id ${this.id}`
  }
}

/** The action is not allowed in the record's current status (HTTP 409, `invalid_action`). */
export class InvalidAction extends Schema.TaggedError<InvalidAction>()("InvalidAction", {
  entity: Schema.String,
  id: Schema.String,
  action: Schema.String,
  status: Schema.String
}) {
  override get message(): string {
    return `cannot ${this.action} ${this.entity} ${this.id}: it is ${this.status}`
  }
}

/** The write would break a uniqueness or reference rule (HTTP 409, `conflict`). */
export class Conflict extends Schema.TaggedError<Conflict>()("Conflict", {
  message: Schema.String
}) {}

/** Missing, unknown, suspended, revoked or expired credentials (HTTP 401). */
export class Unauthenticated extends Schema.TaggedError<Unauthenticated>()("Unauthenticated", {
  message: Schema.String
}) {}

/** The credentials are valid but their scope does not reach this action (HTTP 403). */
export class NotPermitted extends Schema.TaggedError<NotPermitted>()("NotPermitted", {
  message: Schema.String
}) {}
