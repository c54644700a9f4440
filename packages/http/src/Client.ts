/**
 * The `Ledger` over HTTP: a client derived from the contract, so an embedding service can swap
 * the local ledger for a remote one without changing a line. Every request carries the session's
 * bearer token; the server authenticates each one, so a token revoked mid-session stops working
 * at its next call (which then dies with the `Unauthenticated` failure, since no use case
 * declares it). Failures of the transport itself (no server, a broken connection) are defects:
 * the port's use cases declare only the domain's failures.
 */
import {
  type Commands,
  Conflict,
  InvalidAction,
  InvalidInput,
  Ledger,
  type LedgerSession,
  type Paged,
  NotFound,
  NotPermitted,
  Status,
  Unauthenticated,
  type Usage
} from "@agentledger/domain"
import * as FetchHttpClient from "@effect/platform/FetchHttpClient"
import * as HttpApiClient from "@effect/platform/HttpApiClient"
import * as HttpClient from "@effect/platform/HttpClient"
import * as HttpClientRequest from "@effect/platform/HttpClientRequest"
import { Context, DateTime, Effect, Layer } from "effect"
import { LedgerApi, type PageQuery } from "./Api.js"
import type { DomainError } from "./ApiError.js"
import { type ListEnvelope, paged } from "./Envelope.js"
import * as ExportClient from "./ExportClient.js"
import { controlledSpan } from "./NewerWire.js"
import type { AgentView } from "./Resources.js"

export interface ClientOptions {
  /** Where the server listens, e.g. `http://127.0.0.1:4318`. */
  readonly baseUrl: string
  /** The operator token, needed only for `createAccount`. */
  readonly operatorToken?: string | undefined
}

type Tag = DomainError["_tag"]

const isDomainError = (error: unknown): error is DomainError =>
  error instanceof InvalidInput || error instanceof NotFound || error instanceof InvalidAction ||
  error instanceof Conflict || error instanceof Unauthenticated || error instanceof NotPermitted

/** Keeps the failures a use case declares; anything else the server or the transport says is a defect. */
const only = <const Tags extends ReadonlyArray<Tag>>(...tags: Tags) => {
  const declared = (error: unknown): error is Extract<DomainError, { readonly _tag: Tags[number] }> =>
    isDomainError(error) && tags.some((tag) => tag === error._tag)
  return <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, Extract<DomainError, { readonly _tag: Tags[number] }>, R> =>
    Effect.catchAll(effect, (error) => (declared(error) ? Effect.fail(error) : Effect.die(error)))
}

const details = <A>(envelope: { readonly details: A }): A => envelope.details

/** The `details` of a single-record answer, with the failures the use case declares. */
const answer = <const Tags extends ReadonlyArray<Tag>>(...tags: Tags) =>
<A, E, R>(effect: Effect.Effect<{ readonly details: A }, E, R>) => only(...tags)(Effect.map(effect, details))

/** The page of a list answer, with the failures the use case declares. */
const page = <const Tags extends ReadonlyArray<Tag>>(...tags: Tags) =>
<A, E, R>(effect: Effect.Effect<ListEnvelope<A>, E, R>) => only(...tags)(Effect.map(effect, paged))

/** The records behind the views the server shows (the `Ledger` answers records). */
const agentOf = ({ available_actions: _actions, instance_counts: _counts, ...agent }: AgentView) => agent
const versionOf = <V extends VersionUsage>({ current_agent_deployment_refs: _refs, external_identifier_repeats: _repeats, ...version }: V) => version
interface VersionUsage {
  readonly current_agent_deployment_refs: Usage.VersionUsage["current_agent_deployment_refs"]
  readonly external_identifier_repeats: number
}
const usageOf = (view: VersionUsage): Usage.VersionUsage => ({
  current_agent_deployment_refs: view.current_agent_deployment_refs,
  external_identifier_repeats: view.external_identifier_repeats
})
/** How many record views the client reads at once for a usage call. */
const viewReads = 4
const items = <A, B>(f: (a: A) => B) => (page: Paged<A>): Paged<B> => ({ ...page, items: page.items.map(f) })

const headers = (options?: Commands.MutationOptions): { readonly "idempotency-key"?: string } =>
  options?.idempotencyKey === undefined ? {} : { "idempotency-key": options.idempotencyKey }

/**
 * A registration's headers: its key, and the SDK the caller names as `X-Prefactor-SDK` (the
 * server records the Prefactor protocol whatever protocol the caller names: the call travels by it).
 */
const registerHeaders = (options?: Commands.RegisterOptions): { readonly "idempotency-key"?: string; readonly "x-prefactor-sdk"?: string } => {
  const sdk = options?.reportedBy?.sdk
  return sdk === undefined || sdk === null ? headers(options) : { ...headers(options), "x-prefactor-sdk": sdk }
}

/** A page request as the Prefactor query parameters. */
export const pageQuery = (request: Commands.ListRequest): PageQuery => ({
  "pagination[offset]": request.offset,
  "pagination[page_size]": request.page_size,
  ...(request.sorting === undefined ? {} : { sorting: request.sorting })
})

const clientFor = (options: ClientOptions, token: string) =>
  HttpApiClient.make(LedgerApi, {
    baseUrl: options.baseUrl,
    transformClient: HttpClient.mapRequest(HttpClientRequest.bearerToken(token))
  })

type Api = Effect.Effect.Success<ReturnType<typeof clientFor>>

const session = (api: Api, principal: LedgerSession["principal"], exports: Pick<LedgerSession, "exportRun" | "exportAgentRuns">): LedgerSession => ({
  principal,
  ...exports,

  createEnvironment: (input, options) =>
    api.environments.create({ payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "Conflict", "NotPermitted")),
  getEnvironment: (id) => api.environments.get({ path: { id } }).pipe(answer("NotFound", "NotPermitted")),
  listEnvironments: (request) => api.environments.list({ urlParams: pageQuery(request) }).pipe(page("InvalidInput", "NotPermitted")),
  updateEnvironment: (id, input, options) =>
    api.environments.update({ path: { id }, payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "Conflict", "NotPermitted")),
  deleteEnvironment: (id, options) =>
    api.environments.delete({ path: { id }, headers: headers(options) }).pipe(answer("NotFound", "Conflict", "NotPermitted", "InvalidInput")),

  createToken: (input, options) =>
    api.tokens.create({ payload: { details: input }, headers: headers(options) }).pipe(only("InvalidInput", "NotFound", "Conflict", "NotPermitted")),
  getToken: (id) => api.tokens.get({ path: { id } }).pipe(answer("NotFound", "NotPermitted")),
  listTokens: (request) => api.tokens.list({ urlParams: pageQuery(request) }).pipe(page("InvalidInput", "NotPermitted")),
  suspendToken: (id, options) =>
    api.tokens.suspend({ path: { id }, payload: null, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict")),
  activateToken: (id, options) =>
    api.tokens.activate({ path: { id }, payload: null, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict")),
  revokeToken: (id, options) =>
    api.tokens.revoke({ path: { id }, payload: null, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict")),
  expireToken: (id, options) =>
    api.tokens.expire({ path: { id }, payload: null, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict")),
  deleteToken: (id, options) =>
    api.tokens.delete({ path: { id }, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict")),

  createAgent: (input, options) =>
    api.agents.create({ payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "Conflict", "NotPermitted"), Effect.map(agentOf)),
  getAgent: (id) => api.agents.get({ path: { id }, urlParams: {} }).pipe(answer("NotFound", "NotPermitted"), Effect.map(agentOf)),
  findAgentByExternalIdentifier: (externalIdentifier) =>
    api.agents.show({ urlParams: { external_identifier: externalIdentifier } }).pipe(answer("NotFound", "NotPermitted"), Effect.map(agentOf)),
  listAgents: (request) =>
    api.agents.list({ urlParams: { ...request, ...pageQuery(request) } }).pipe(page("InvalidInput", "NotPermitted"), Effect.map(items(agentOf))),
  updateAgent: (id, input, options) =>
    api.agents.update({ path: { id }, payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "InvalidAction", "NotPermitted", "Conflict"), Effect.map(agentOf)),
  retireAgent: (id, options) =>
    api.agents.retire({ path: { id }, payload: null, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict"), Effect.map(agentOf)),
  reinstateAgent: (id, options) =>
    api.agents.reinstate({ path: { id }, payload: null, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict"), Effect.map(agentOf)),
  deleteAgent: (id, options) =>
    api.agents.delete({ path: { id }, headers: headers(options) }).pipe(answer("NotFound", "Conflict", "NotPermitted", "InvalidInput"), Effect.map(agentOf)),
  // The usages travel inside each record's view: the client reads the views of the records it
  // is asked about (the server answers each in a constant number of statements).
  agentUsage: (agents) =>
    Effect.forEach(agents, (agent) =>
      api.agents.get({ path: { id: agent.id }, urlParams: { include_counts: "true" } }).pipe(
        answer("NotPermitted"),
        Effect.map((view) => ({ available_actions: view.available_actions, instance_counts: view.instance_counts ?? Status.noCounts }))
      ), { concurrency: viewReads }),

  registerRun: (input, options) =>
    // Registering on the deployment's version is the OTLP ingestion's; the Prefactor API cannot say it.
    options?.version === undefined
      ? api.instances.register({ payload: input, headers: registerHeaders(options) }).pipe(answer("InvalidInput", "NotFound", "InvalidAction", "NotPermitted", "Conflict"))
      : Effect.fail(InvalidInput.field("version", "a run on its deployment's version is registered over OTLP (POST /v1/traces), not this API")),
  startRun: (id, input, options) =>
    api.instances.start({ path: { id }, payload: input, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "InvalidInput", "Conflict")),
  finishRun: (id, input, options) =>
    api.instances.finish({ path: { id }, payload: input, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "InvalidInput", "Conflict")),
  terminateRun: (id, input, options) =>
    api.instances.terminate({ path: { id }, payload: input, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "InvalidInput", "NotPermitted", "Conflict")),
  recordSpan: (input, options) =>
    api.spans.create({ payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "InvalidAction", "Conflict")),
  recordSpanWithControl: (input, options) =>
    api.spans.create({ payload: { details: input }, headers: headers(options) }).pipe(
      only("InvalidInput", "NotFound", "InvalidAction", "Conflict"),
      Effect.map(controlledSpan)
    ),
  recordSpans: (inputs, options) =>
    // The Prefactor API has no word for spans reported after they completed: they go to /v1/traces.
    options?.reported === undefined
      ? api.spans.createMany({ payload: { details: inputs }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "InvalidAction", "Conflict"))
      : Effect.fail(InvalidInput.field("reported", "spans reported after they completed are sent over OTLP (POST /v1/traces), not this API")),
  finishSpan: (id, input, options) =>
    api.spans.finish({ path: { id }, payload: input, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "InvalidInput", "Conflict")),
  finishSpanWithControl: (id, input, options) =>
    api.spans.finish({ path: { id }, payload: input, headers: headers(options) }).pipe(
      only("NotFound", "InvalidAction", "InvalidInput", "Conflict"),
      Effect.map(controlledSpan)
    ),
  recordQuality: (id, input, options) =>
    api.instances.recordQuality({ path: { id }, payload: input, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "InvalidInput", "Conflict")),

  getInstance: (id) => api.instances.get({ path: { id } }).pipe(answer("NotFound")),
  listInstances: (request) =>
    api.instances.list({ urlParams: { ...request, ...pageQuery(request) } }).pipe(page("InvalidInput", "NotPermitted")),
  getTimeline: (id) => api.instances.timeline({ path: { id } }).pipe(answer("NotFound")),
  getSpan: (id) => api.spans.get({ path: { id } }).pipe(answer("NotFound")),
  listSpans: (request) =>
    api.spans.list({ urlParams: { ...request, ...pageQuery(request) } }).pipe(page("InvalidInput", "NotFound", "NotPermitted")),
  listSpanOutlines: (id, request) =>
    api.instances.spans({ path: { id }, urlParams: { ...request, ...pageQuery(request) } }).pipe(page("InvalidInput", "NotFound")),
  getRiskReport: (id) => api.instances.risk({ path: { id } }).pipe(answer("NotFound")),
  getOverview: (request) => api.overview.get({ urlParams: request }).pipe(answer()),
  getActivity: (request) => api.activity.get({ urlParams: request }).pipe(answer("InvalidInput", "NotFound")),
  getMaskingPolicy: () => api.masking.get().pipe(answer("NotPermitted")),
  updateMaskingPolicy: (input, options) =>
    api.masking.update({ payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotPermitted", "Conflict")),

  deleteRun: (id, options) => api.erasure.deleteRun({ path: { id }, headers: headers(options) }).pipe(answer("NotFound", "NotPermitted", "InvalidInput", "Conflict")),
  redactRun: (id, options) =>
    api.erasure.redactRun({ path: { id }, payload: null, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict")),
  eraseRuns: (id, input) => api.erasure.eraseRuns({ path: { id }, payload: input }).pipe(answer("InvalidInput", "NotFound", "NotPermitted", "Conflict")),
  getRetentionPolicy: () => api.erasure.getRetentionPolicy().pipe(answer("NotPermitted")),
  updateRetentionPolicy: (input, options) =>
    api.erasure.updateRetentionPolicy({ payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotPermitted", "Conflict")),

  getVersion: (id) => api.versions.get({ path: { id } }).pipe(answer("NotFound", "NotPermitted"), Effect.map(versionOf)),
  listVersions: (request) =>
    api.versions.list({ urlParams: { ...request, ...pageQuery(request) } }).pipe(page("InvalidInput", "NotFound", "NotPermitted"), Effect.map(items(versionOf))),
  getSchemaVersion: (id) => api.schemaVersions.get({ path: { id } }).pipe(answer("NotFound", "NotPermitted"), Effect.map(versionOf)),
  listSchemaVersions: (request) =>
    api.schemaVersions.list({ urlParams: { ...request, ...pageQuery(request) } }).pipe(page("InvalidInput", "NotFound", "NotPermitted"), Effect.map(items(versionOf))),
  versionUsage: (versions) =>
    Effect.forEach(versions, (version) => api.versions.get({ path: { id: version.id } }).pipe(answer("NotPermitted"), Effect.map(usageOf)), {
      concurrency: viewReads
    }),
  schemaVersionUsage: (schemaVersions) =>
    Effect.forEach(schemaVersions, (version) => api.schemaVersions.get({ path: { id: version.id } }).pipe(answer("NotPermitted"), Effect.map(usageOf)), {
      concurrency: viewReads
    }),
  getVersionRisk: (id) => api.versions.risk({ path: { id } }).pipe(answer("NotFound", "NotPermitted")),

  createDeployment: (input, options) =>
    api.deployments.create({ payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "Conflict", "NotPermitted")),
  getDeployment: (id) => api.deployments.get({ path: { id } }).pipe(answer("NotFound", "NotPermitted")),
  listDeployments: (request) =>
    api.deployments.list({ urlParams: { ...request, ...pageQuery(request) } }).pipe(page("InvalidInput", "NotPermitted")),
  updateDeployment: (id, input, options) =>
    api.deployments.update({ path: { id }, payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "NotPermitted", "Conflict")),
  rollbackDeployment: (id, input, options) =>
    api.deployments.rollback({ path: { id }, payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "InvalidAction", "NotPermitted", "Conflict")),
  deleteDeployment: (id, options) =>
    api.deployments.delete({ path: { id }, headers: headers(options) }).pipe(answer("NotFound", "Conflict", "NotPermitted", "InvalidInput")),

  createRiskProfile: (input, options) =>
    api.riskProfiles.create({ payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotPermitted", "Conflict")),
  getRiskProfile: (id) => api.riskProfiles.get({ path: { id } }).pipe(answer("NotFound", "NotPermitted")),
  listRiskProfiles: (request) =>
    api.riskProfiles.list({ urlParams: pageQuery(request) }).pipe(page("InvalidInput", "NotPermitted")),
  listRiskProfileRevisions: (id) => api.riskProfiles.revisions({ path: { id } }).pipe(answer("NotFound", "NotPermitted")),
  updateRiskProfile: (id, input, options) =>
    api.riskProfiles.update({ path: { id }, payload: { details: input }, headers: headers(options) }).pipe(answer("InvalidInput", "NotFound", "InvalidAction", "NotPermitted", "Conflict")),
  deleteRiskProfile: (id, options) =>
    api.riskProfiles.delete({ path: { id }, headers: headers(options) }).pipe(answer("NotFound", "InvalidAction", "NotPermitted", "InvalidInput", "Conflict")),

  listAuditEvents: (request) =>
    api.audit.list({ urlParams: { ...request, ...pageQuery(request) } }).pipe(page("InvalidInput", "NotPermitted")),
  verifyAuditChain: () => api.audit.verify().pipe(answer("NotPermitted"))
})

/** The `Ledger` of the server at `baseUrl`; needs an `HttpClient`. */
export const make = (options: ClientOptions) =>
  Effect.gen(function*() {
    const context = yield* Effect.context<HttpClient.HttpClient>()
    const connect = (token: string) => Effect.provide(clientFor(options, token), context)
    const authenticate = (secret: string) =>
      Effect.gen(function*() {
        const api = yield* connect(secret)
        const principal = yield* api.account.ping().pipe(answer("Unauthenticated"))
        return session(api, principal, ExportClient.exports(Context.get(context, HttpClient.HttpClient), options.baseUrl, secret))
      })
    const openAccount = (input: { readonly name: string }, mutationOptions?: Commands.MutationOptions) =>
      Effect.gen(function*() {
        const api = yield* connect(options.operatorToken ?? "")
        return yield* api.admin.createAccount({ payload: { details: { name: input.name } }, headers: headers(mutationOptions) })
          .pipe(only("InvalidInput", "Conflict"))
      })
    // Without a key the server opens a new account, whose secret it always shows.
    const createAccount = (input: { readonly name: string }) =>
      Effect.flatMap(openAccount(input), (opened) =>
        opened.secret === null
          ? Effect.dieMessage("the server answered a new account without its secret")
          : Effect.succeed({ ...opened, secret: opened.secret }))
    return Ledger.of({
      createAccount,
      openAccount,
      // A served store is bootstrapped by its server at start; a client never finds it empty.
      bootstrap: () => Effect.succeed(null),
      authenticate,
      // A served store's retention runs on its server's schedule (`--retention-interval-s`): a
      // client has no pass of its own, and answers one that visited no account.
      sweepRetention: () => Effect.map(DateTime.now, (started_at) => ({ started_at, accounts: [] }))
    })
  })

/** The `Ledger` over HTTP; needs an `HttpClient` (see `layerFetch`). */
export const layer = (options: ClientOptions): Layer.Layer<Ledger, never, HttpClient.HttpClient> => Layer.effect(Ledger, make(options))

/** The `Ledger` over HTTP with the platform's `fetch` (keep-alive connections). */
export const layerFetch = (options: ClientOptions): Layer.Layer<Ledger> => layer(options).pipe(Layer.provide(FetchHttpClient.layer))
