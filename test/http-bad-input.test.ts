/**
 * Bad input over real HTTP: malformed JSON, wrong types, missing fields, unknown ids, ids of
 * another account, malformed ids, oversized bodies, deep nesting, wrong content types, missing /
 * bad / revoked / suspended / expired tokens, deployment-scoped tokens on management routes and
 * account tokens on the operator API. Each must get its 4xx with the error envelope
 * `{status:"error", code, message, errors?}`, and leave both accounts' data as it was (compared
 * through the `Ledger` behind the server). Then a property: arbitrary bodies, ids and query
 * parameters to every route of the OpenAPI document never get a 5xx, and every non-2xx answer is
 * an error envelope.
 *
 * Checks inside loops are soft (`expect.soft`), so one run lists every failing request.
 * `AGENTLEDGER_DEEP=1` runs the property many more times.
 *
 * Each concern is a module of test/http-bad-input/ and each `describe` below starts a server of
 * its own (support/badInputWorld.ts), as before; they run from this one file because loading the
 * server's modules costs each test file seconds, several times what its tests take.
 */
import { describe } from "vitest"
import { badRequestBodies } from "./http-bad-input/bodies.js"
import { wrongContentTypes } from "./http-bad-input/contentTypes.js"
import { lyingFraming } from "./http-bad-input/framing.js"
import { badIds } from "./http-bad-input/ids.js"
import { deepNesting } from "./http-bad-input/nesting.js"
import { oversizedBodies } from "./http-bad-input/oversized.js"
import { arbitraryRequests } from "./http-bad-input/property.js"
import { badTokens } from "./http-bad-input/tokens.js"

describe("bad request bodies", badRequestBodies)

describe("ids", badIds)

describe("oversized bodies", oversizedBodies)

describe("lying and malformed framing", lyingFraming)

describe("deep nesting", deepNesting)

describe("wrong content types", wrongContentTypes)

describe("tokens", badTokens)

describe("property: arbitrary requests to every route", arbitraryRequests)
