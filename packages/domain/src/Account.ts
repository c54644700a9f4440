/**
 * The account: the tenant and the outer boundary. Every record carries `account_id`, every read
 * and write is scoped by it, and every id minted for its records carries its partition.
 */
import { type DateTime, Either, Schema } from "effect"
import { InvalidInput } from "./Errors.js"
import { AccountId, Partition } from "./Ids.js"

export class Account extends Schema.Class<Account>("Account")({
  id: AccountId,
  name: Schema.String,
  partition: Partition,
  inserted_at: Schema.DateTimeUtc,
  updated_at: Schema.DateTimeUtc
}) {}

/** A new account, from a validated name and a drawn partition (its id carries the partition). */
export const create = (
  fields: { readonly id: AccountId; readonly name: string; readonly partition: Partition },
  now: DateTime.Utc
): Account => new Account({ id: fields.id, name: fields.name, partition: fields.partition, inserted_at: now, updated_at: now }, true)

/** Account names: 1–128 characters after trimming. */
export const validateAccountName = (name: string): Either.Either<string, InvalidInput> => {
  const trimmed = name.trim()
  return trimmed.length >= 1 && trimmed.length <= 128
    ? Either.right(trimmed)
    : Either.left(InvalidInput.field("name", "must be 1–128 characters"))
}
