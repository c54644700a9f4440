/**
 * Contract tests of the HTTP API against the Prefactor API's published shapes.
 *
 * The reference Schemas (support/contract/) are written from the Prefactor API's published
 * shapes (its envelopes, the resource field lists of its Python SDK models and its platform
 * docs) and from docs/http.md for our documented extensions.
 * Nothing is imported from packages/http: a contract that drifted from the reference must fail
 * here, not agree with itself. Structs keep the default excess-property handling, so fields
 * beyond the reference are allowed; a missing or mistyped one is reported by field.
 *
 * Every route of docs/http.md's route table is called once with a valid request (its answer must
 * decode with the matching Schema) and once with a request that must fail (its answer must be the
 * error envelope with the documented status and code). The last tests check that coverage against
 * the table itself and that every non-2xx answer of the file was an error envelope.
 *
 * One server and one scenario run the whole test, in order: later steps use the records earlier
 * ones created, and the coverage test counts every call. So the sections are modules of
 * test/prefactor-contract/ — the valid requests (valid/), the query parameters, the requests that
 * must fail, the shapes the SDK depends on, the coverage — that this file runs in this order on
 * one session (support/contract/session.ts).
 */
import { describe } from "vitest"
import { contractSession } from "./support/contract/session.js"
import { coverage } from "./prefactor-contract/coverage.js"
import { queryParameters } from "./prefactor-contract/queryParameters.js"
import { refusalsOf, requestsThatMustFail } from "./prefactor-contract/refusals.js"
import { sdkShapes } from "./prefactor-contract/sdkShapes.js"
import { auditRequests } from "./prefactor-contract/valid/audit.js"
import { catalogRequests } from "./prefactor-contract/valid/catalog.js"
import { deploymentRequests } from "./prefactor-contract/valid/deployments.js"
import { maskingRequests } from "./prefactor-contract/valid/masking.js"
import { erasureRequests } from "./prefactor-contract/valid/erasure.js"
import { exportRequests } from "./prefactor-contract/valid/export.js"
import { bulkAndOperatorRequests } from "./prefactor-contract/valid/operator.js"
import { retiringRequests } from "./prefactor-contract/valid/retiring.js"
import { runRequests } from "./prefactor-contract/valid/runs.js"
import { versionRequests } from "./prefactor-contract/valid/versions.js"

const contract = contractSession()
const refusals = refusalsOf(contract)

describe("valid requests answer in the reference's shapes", () => {
  catalogRequests(contract)
  deploymentRequests(contract)
  runRequests(contract)
  versionRequests(contract)
  auditRequests(contract)
  exportRequests(contract)
  erasureRequests(contract)
  retiringRequests(contract)
  bulkAndOperatorRequests(contract)
  maskingRequests(contract)
})

describe("the reference's query parameters", () => queryParameters(contract))

describe("requests that must fail answer the error envelope", () => requestsThatMustFail(contract, refusals))

describe("the shapes @prefactor/core 0.2.9 depends on", () => sdkShapes(contract))

describe("coverage", () => coverage(contract, refusals))
