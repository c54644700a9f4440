/**
 * The ledger's ids of OTel spans, derived rather than minted: a PFID with its run's time and
 * partition and 80 bits of SHA-256 over the run id, the trace id and the span id. So a child
 * names its parent's id before the parent has arrived, and a span exported twice (a retry, a
 * duplicate) has the same id both times: the second record is the ledger's `Conflict`, which
 * the ingestion counts as already landed. The run id is in the hash so that the same OTel span
 * reported into two runs (two deployments sharing a trace) gets two ids.
 */
import { Ids } from "@agentledger/domain"
import { createHash } from "node:crypto"

/** 80 bits as 16 characters of the PFID alphabet, 5 bits each, from the first 10 bytes. */
const randomnessOf = (digest: Uint8Array): string => {
  let out = ""
  let bits = 0
  let value = 0
  for (let index = 0; index < 10; index++) {
    value = (value << 8) | (digest[index] ?? 0)
    bits += 8
    while (bits >= 5) {
      bits -= 5
      out += Ids.alphabet.charAt((value >> bits) & 31)
    }
    value &= (1 << bits) - 1
  }
  return out
}

/** The ledger id of the OTel span `spanId` of trace `traceId` in run `run`. */
export const spanIdOf = (run: Ids.InstanceId, traceId: string, spanId: string): Ids.SpanId => {
  const digest = createHash("sha256").update(`${run}:${traceId}:${spanId}`).digest()
  return Ids.SpanId.make(Ids.encode(Ids.timeOf(run), Ids.partitionOf(run), randomnessOf(digest)), true)
}
