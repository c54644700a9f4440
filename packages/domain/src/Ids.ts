/**
 * PFIDs, the identifiers of every record: 32 lowercase Crockford base32 characters holding a
 * 48-bit millisecond timestamp, a 30-bit partition and 80 random bits. Each account owns one
 * partition and every id minted for its records carries it, so an id names its tenant and ids
 * sort by creation time.
 *
 * Minting reads the time from Effect's `Clock` and the randomness from the `IdEntropy` port,
 * so a test that provides `IdEntropy.deterministic` and a `TestClock` gets the same ids on
 * every run.
 */
import { Clock, Context, Effect, Either, Layer, Schema } from "effect"
import { InvalidInput } from "./Errors.js"
import * as Seeded from "./Seeded.js"

/** The PFID alphabet: Crockford base32, lowercase, without i, l, o, u. */
export const alphabet = "0123456789abcdefghjkmnpqrstvwxyz"

const alphabetCodes: ReadonlyArray<number> = Array.from(alphabet, (char) => char.charCodeAt(0))

export const pfidPattern = /^[0-7][0-9abcdefghjkmnpqrstvwxyz]{31}$/

const pfid = <B extends string>(brand: B) =>
  Schema.String.pipe(Schema.pattern(pfidPattern), Schema.brand(brand)).annotations({
    identifier: brand,
    description: "a PFID: 32 lowercase Crockford base32 characters"
  })

export const Partition = Schema.Int.pipe(Schema.between(0, 2 ** 30 - 1), Schema.brand("Partition"))
export type Partition = typeof Partition.Type

export const AccountId = pfid("AccountId")
export type AccountId = typeof AccountId.Type
export const EnvironmentId = pfid("EnvironmentId")
export type EnvironmentId = typeof EnvironmentId.Type
export const ApiTokenId = pfid("ApiTokenId")
export type ApiTokenId = typeof ApiTokenId.Type
export const AgentId = pfid("AgentId")
export type AgentId = typeof AgentId.Type
export const AgentVersionId = pfid("AgentVersionId")
export type AgentVersionId = typeof AgentVersionId.Type
export const SchemaVersionId = pfid("SchemaVersionId")
export type SchemaVersionId = typeof SchemaVersionId.Type
export const DeploymentId = pfid("DeploymentId")
export type DeploymentId = typeof DeploymentId.Type
export const InstanceId = pfid("InstanceId")
export type InstanceId = typeof InstanceId.Type
export const SpanId = pfid("SpanId")
export type SpanId = typeof SpanId.Type
export const RiskProfileId = pfid("RiskProfileId")
export type RiskProfileId = typeof RiskProfileId.Type
export const RiskProfileRevisionId = pfid("RiskProfileRevisionId")
export type RiskProfileRevisionId = typeof RiskProfileRevisionId.Type
export const AuditEventId = pfid("AuditEventId")
export type AuditEventId = typeof AuditEventId.Type

/** Any of the branded id schemas above. */
export type IdSchema<A> = Schema.Schema<A, string> & { readonly make: (text: string, disableValidation: true) => A }

const encodeFixed = (value: number, chars: number): string => {
  let out = ""
  for (let i = chars - 1; i >= 0; i--) {
    // Division instead of shifts: the 48-bit time field does not fit a 32-bit shift.
    const digit = Math.floor(value / 32 ** i) % 32
    out += alphabet[digit]
  }
  return out
}

/**
 * The text form of a PFID from its three fields: the 48-bit time in ten characters (the first
 * carries three bits, hence `0`–`7`), the 30-bit partition in six, and `randomness`, 16
 * alphabet characters (80 bits).
 */
export const encode = (timeMillis: number, partition: Partition, randomness: string): string =>
  encodeFixed(timeMillis, 10) + encodeFixed(partition, 6) + randomness

const decodeFixed = (text: string): number => {
  let value = 0
  for (const char of text) value = value * 32 + alphabet.indexOf(char)
  return value
}

/** The partition a PFID carries (characters 10–15). */
export const partitionOf = (id: string): Partition => Partition.make(decodeFixed(id.slice(10, 16)), true)

/** The creation time in milliseconds a PFID carries (characters 0–9). */
export const timeOf = (id: string): number => decodeFixed(id.slice(0, 10))

/** Whether an id belongs to the given partition, i.e. to the account that owns it. */
export const isInPartition = (id: string, partition: Partition): boolean =>
  pfidPattern.test(id) && partitionOf(id) === partition

/** An id a client chose for a new record: accepted if it is a PFID of the account's partition. */
export const validateChosen = <A>(kind: IdSchema<A>, partition: Partition, chosen: string): Either.Either<A, InvalidInput> =>
  isInPartition(chosen, partition)
    ? Either.right(kind.make(chosen, true))
    : Either.left(InvalidInput.field("id", "must be a PFID in the account's partition"))

/** The source of the 80 random bits of every minted id, and of the bytes of every secret. */
export interface Entropy {
  /** 16 characters of the PFID alphabet. */
  readonly randomness: () => string
  /** Random bytes for secrets; the live source is a CSPRNG. */
  readonly bytes: (count: number) => Uint8Array
}

export class IdEntropy extends Context.Tag("@agentledger/domain/IdEntropy")<IdEntropy, Entropy>() {
  /**
   * Web Crypto randomness (available in Node 20 without an import). Id randomness is drawn from
   * a pool refilled 4 KiB at a time: one system call per 256 ids instead of one per id.
   */
  static readonly Live = Layer.sync(IdEntropy, () => {
    const pool = new Uint8Array(4096)
    let next = pool.length
    // One flat string from 16 char codes: three times faster than 16 concatenations.
    const chars: Array<number> = new Array<number>(16).fill(48)
    return {
      randomness: () => {
        if (next + 16 > pool.length) {
          globalThis.crypto.getRandomValues(pool)
          next = 0
        }
        for (let i = 0; i < 16; i++) chars[i] = alphabetCodes[(pool[next + i] ?? 0) & 31] ?? 48
        next += 16
        return String.fromCharCode(...chars)
      },
      bytes: (count) => globalThis.crypto.getRandomValues(new Uint8Array(count))
    }
  })

  /** Seeded (`Seeded.uint32s`): the same seed gives the same ids on every run. */
  static readonly deterministic = (seed = 1) =>
    Layer.sync(IdEntropy, () => {
      const next = Seeded.uint32s(seed)
      return {
        randomness: () => {
          let out = ""
          for (let i = 0; i < 16; i++) out += alphabet[next() & 31]
          return out
        },
        bytes: (count) => Uint8Array.from({ length: count }, () => next() & 255)
      }
    })
}

/** Mints a new id of the given kind in the given partition. */
export const mint = <A>(kind: IdSchema<A>, partition: Partition): Effect.Effect<A, never, IdEntropy> =>
  Effect.flatMap(IdEntropy, (entropy) =>
    Effect.map(Clock.currentTimeMillis, (now) => kind.make(encode(now, partition, entropy.randomness()), true)))

// Ingest mints an id per span: the time and partition parts repeat, so their text is reused.
let lastTime = -1
let lastTimeText = ""
const partitionTexts = new Map<number, string>()

/** Mints an id for an account's record from a time already read and an entropy already held. */
export const mintAt = <A>(
  kind: IdSchema<A>,
  partition: Partition,
  timeMillis: number,
  entropy: Entropy
): A => {
  if (timeMillis !== lastTime) {
    lastTime = timeMillis
    lastTimeText = encodeFixed(timeMillis, 10)
  }
  let partitionText = partitionTexts.get(partition)
  if (partitionText === undefined) {
    if (partitionTexts.size > 4096) partitionTexts.clear()
    partitionText = encodeFixed(partition, 6)
    partitionTexts.set(partition, partitionText)
  }
  return kind.make(lastTimeText + partitionText + entropy.randomness(), true)
}

/** A partition for a new account, from the same entropy source. */
export const newPartition = (entropy: Entropy): Partition =>
  Partition.make(decodeFixed(entropy.randomness().slice(0, 6)), true)
