/**
 * @agentledger/http — agentledger over HTTP: the Prefactor-compatible contract, the server that
 * implements it over the `Ledger`, and the client that implements the `Ledger` over it.
 */
export * as ActivityRoute from "./ActivityRoute.js"
export * as Admission from "./Admission.js"
export * as Api from "./Api.js"
export * as ApiError from "./ApiError.js"
export * as Envelope from "./Envelope.js"
export * as ErasureRoutes from "./ErasureRoutes.js"
export * as Queries from "./Queries.js"
export * as Resources from "./Resources.js"
export * as Handlers from "./Handlers.js"
export * as HotRoutes from "./HotRoutes.js"
export * as Refusals from "./Refusals.js"
export * as Server from "./Server.js"
export * as Client from "./Client.js"
export * as Connections from "./Connections.js"
export * as OperatorToken from "./OperatorToken.js"
export * as Bounded from "./Bounded.js"
export * as Bulk from "./Bulk.js"
export * as MaskingRoutes from "./MaskingRoutes.js"
export * as NewerWire from "./NewerWire.js"
export * as Views from "./Views.js"
