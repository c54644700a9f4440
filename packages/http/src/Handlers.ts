/**
 * The contract's handlers: each reads its request, calls one `Ledger` use case of the caller's
 * session (agents and versions also read their views, `Views.ts`), and wraps the answer in its
 * envelope. No rule of the product is decided here.
 */
import { Commands, Ledger, type LedgerSession, type Paged, Unauthenticated } from "@agentledger/domain"
import * as HttpApiBuilder from "@effect/platform/HttpApiBuilder"
import { Effect, Either, Layer, Option, Redacted } from "effect"
import type { DomainError } from "./ApiError.js"
import { Authentication, CurrentSession, LedgerApi, OperatorAuthentication } from "./Api.js"
import type { BulkItem, BulkOutput } from "./Bulk.js"
import { ok, summaries } from "./Envelope.js"
import { auditHandlers } from "./AuditHandlers.js"
import { erasure } from "./ErasureHandlers.js"
import { masking } from "./MaskingHandlers.js"
import { mutation, registration } from "./Mutation.js"
import { spanAnswer } from "./NewerWire.js"
import * as ExportHandlers from "./ExportHandlers.js"
import * as OperatorToken from "./OperatorToken.js"
import { listRequest } from "./Queries.js"
import { agentView, agentViews, schemaVersionViews, versionViews } from "./Views.js"

const withSession = <A, E>(use: (session: LedgerSession) => Effect.Effect<A, E>): Effect.Effect<A, E, CurrentSession> =>
  Effect.flatMap(CurrentSession, use)

export { mutation, registration } from "./Mutation.js"

// Kept here too: where the handlers' request readers were first exported.
export { listRequest }

const defaultFinishRun = Commands.FinishRun.make({ status: "complete" })
export const defaultFinishSpan = Commands.FinishSpan.make({ status: "complete" })

const account = HttpApiBuilder.group(LedgerApi, "account", (handlers) =>
  handlers.handle("ping", () => withSession((session) => Effect.succeed(ok(session.principal)))))

const admin = HttpApiBuilder.group(LedgerApi, "admin", (handlers) =>
  Effect.gen(function*() {
    const ledger = yield* Ledger
    return handlers.handle("createAccount", ({ headers, payload }) => ledger.openAccount({ name: payload.details.name }, mutation(headers, payload)))
  }))

const tokens = HttpApiBuilder.group(LedgerApi, "tokens", (handlers) =>
  handlers
    .handle("create", ({ headers, payload }) => withSession((s) => s.createToken(payload.details, mutation(headers, payload))))
    .handle("list", ({ urlParams }) => withSession((s) => Effect.map(s.listTokens(listRequest(urlParams)), summaries)))
    .handle("get", ({ path }) => withSession((s) => Effect.map(s.getToken(path.id), ok)))
    .handle("suspend", ({ headers, path, payload }) => withSession((s) => Effect.map(s.suspendToken(path.id, mutation(headers, payload)), ok)))
    .handle("activate", ({ headers, path, payload }) => withSession((s) => Effect.map(s.activateToken(path.id, mutation(headers, payload)), ok)))
    .handle("revoke", ({ headers, path, payload }) => withSession((s) => Effect.map(s.revokeToken(path.id, mutation(headers, payload)), ok)))
    .handle("expire", ({ headers, path, payload }) => withSession((s) => Effect.map(s.expireToken(path.id, mutation(headers, payload)), ok)))
    .handle("delete", ({ headers, path }) => withSession((s) => Effect.map(s.deleteToken(path.id, mutation(headers)), ok))))

const environments = HttpApiBuilder.group(LedgerApi, "environments", (handlers) =>
  handlers
    .handle("create", ({ headers, payload }) => withSession((s) => Effect.map(s.createEnvironment(payload.details, mutation(headers, payload)), ok)))
    .handle("list", ({ urlParams }) => withSession((s) => Effect.map(s.listEnvironments(listRequest(urlParams)), summaries)))
    .handle("get", ({ path }) => withSession((s) => Effect.map(s.getEnvironment(path.id), ok)))
    .handle("update", ({ headers, path, payload }) =>
      withSession((s) => Effect.map(s.updateEnvironment(path.id, payload.details, mutation(headers, payload)), ok)))
    .handle("delete", ({ headers, path }) => withSession((s) => Effect.map(s.deleteEnvironment(path.id, mutation(headers)), ok))))

/** `include_counts=true` (or `1`) asks for an agent's runs by status. */
const counted = (query: { readonly include_counts?: string | undefined }): boolean =>
  query.include_counts === "true" || query.include_counts === "1"

const agents = HttpApiBuilder.group(LedgerApi, "agents", (handlers) =>
  handlers
    .handle("create", ({ headers, payload }) =>
      withSession((s) => s.createAgent(payload.details, mutation(headers, payload)).pipe(Effect.flatMap(agentView(s)), Effect.map(ok))))
    .handle("list", ({ urlParams }) =>
      withSession((s) => s.listAgents({ ...urlParams, ...listRequest(urlParams) }).pipe(Effect.flatMap(agentViews(s)), Effect.map(summaries))))
    .handle("show", ({ urlParams }) =>
      withSession((s) =>
        s.findAgentByExternalIdentifier(urlParams.external_identifier).pipe(Effect.flatMap(agentView(s, counted(urlParams))), Effect.map(ok))
      ))
    .handle("get", ({ path, urlParams }) =>
      withSession((s) => s.getAgent(path.id).pipe(Effect.flatMap(agentView(s, counted(urlParams))), Effect.map(ok))))
    .handle("update", ({ headers, path, payload }) =>
      withSession((s) => s.updateAgent(path.id, payload.details, mutation(headers, payload)).pipe(Effect.flatMap(agentView(s)), Effect.map(ok))))
    .handle("retire", ({ headers, path, payload }) =>
      withSession((s) => s.retireAgent(path.id, mutation(headers, payload)).pipe(Effect.flatMap(agentView(s)), Effect.map(ok))))
    .handle("reinstate", ({ headers, path, payload }) =>
      withSession((s) => s.reinstateAgent(path.id, mutation(headers, payload)).pipe(Effect.flatMap(agentView(s)), Effect.map(ok))))
    .handle("delete", ({ headers, path }) =>
      withSession((s) => s.deleteAgent(path.id, mutation(headers)).pipe(Effect.flatMap(agentView(s)), Effect.map(ok)))))

/** A page with each record in its view. */
const viewedPage = <A, B, E>(page: Paged<A>, view: (records: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, E>) =>
  Effect.map(view(page.items), (items) => summaries({ ...page, items }))

/** One record in its view. */
const viewedOne = <A, B, E>(record: A, view: (records: ReadonlyArray<A>) => Effect.Effect<ReadonlyArray<B>, E>) =>
  Effect.flatMap(view([record]), ([one]) => (one === undefined ? Effect.dieMessage("the view of one record lost it") : Effect.succeed(ok(one))))

const versions = HttpApiBuilder.group(LedgerApi, "versions", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      withSession((s) =>
        Effect.flatMap(s.listVersions({ ...urlParams, ...listRequest(urlParams) }), (page) => viewedPage(page, versionViews(s)))
      ))
    .handle("get", ({ path }) =>
      withSession((s) => Effect.flatMap(s.getVersion(path.id), (version) => viewedOne(version, versionViews(s)))))
    .handle("risk", ({ path }) => withSession((s) => Effect.map(s.getVersionRisk(path.id), ok))))

const schemaVersions = HttpApiBuilder.group(LedgerApi, "schemaVersions", (handlers) =>
  handlers
    .handle("list", ({ urlParams }) =>
      withSession((s) =>
        Effect.flatMap(
          s.listSchemaVersions({ ...urlParams, ...listRequest(urlParams) }),
          (page) => viewedPage(page, schemaVersionViews(s))
        )
      ))
    .handle("get", ({ path }) =>
      withSession((s) =>
        Effect.flatMap(s.getSchemaVersion(path.id), (version) => viewedOne(version, schemaVersionViews(s)))
      )))

const deployments = HttpApiBuilder.group(LedgerApi, "deployments", (handlers) =>
  handlers
    .handle("create", ({ headers, payload }) => withSession((s) => Effect.map(s.createDeployment(payload.details, mutation(headers, payload)), ok)))
    .handle("list", ({ urlParams }) => withSession((s) => Effect.map(s.listDeployments({ ...urlParams, ...listRequest(urlParams) }), summaries)))
    .handle("get", ({ path }) => withSession((s) => Effect.map(s.getDeployment(path.id), ok)))
    .handle("update", ({ headers, path, payload }) =>
      withSession((s) => Effect.map(s.updateDeployment(path.id, payload.details, mutation(headers, payload)), ok)))
    .handle("rollback", ({ headers, path, payload }) =>
      withSession((s) => Effect.map(s.rollbackDeployment(path.id, payload.details, mutation(headers, payload)), ok)))
    .handle("delete", ({ headers, path }) => withSession((s) => Effect.map(s.deleteDeployment(path.id, mutation(headers)), ok))))

const riskProfiles = HttpApiBuilder.group(LedgerApi, "riskProfiles", (handlers) =>
  handlers
    .handle("create", ({ headers, payload }) => withSession((s) => Effect.map(s.createRiskProfile(payload.details, mutation(headers, payload)), ok)))
    .handle("list", ({ urlParams }) => withSession((s) => Effect.map(s.listRiskProfiles(listRequest(urlParams)), summaries)))
    .handle("get", ({ path }) => withSession((s) => Effect.map(s.getRiskProfile(path.id), ok)))
    .handle("revisions", ({ path }) => withSession((s) => Effect.map(s.listRiskProfileRevisions(path.id), ok)))
    .handle("update", ({ headers, path, payload }) =>
      withSession((s) => Effect.map(s.updateRiskProfile(path.id, payload.details, mutation(headers, payload)), ok)))
    .handle("delete", ({ headers, path }) => withSession((s) => Effect.map(s.deleteRiskProfile(path.id, mutation(headers)), ok))))

const instances = HttpApiBuilder.group(LedgerApi, "instances", (handlers) =>
  handlers
    .handle("register", ({ headers, payload }) => withSession((s) => Effect.map(s.registerRun(payload, registration(headers, payload)), ok)))
    .handle("start", ({ headers, path, payload }) => withSession((s) => Effect.map(s.startRun(path.id, payload ?? {}, mutation(headers, payload)), ok)))
    .handle("finish", ({ headers, path, payload }) =>
      withSession((s) => Effect.map(s.finishRun(path.id, payload ?? defaultFinishRun, mutation(headers, payload)), ok)))
    .handle("terminate", ({ headers, path, payload }) => withSession((s) => Effect.map(s.terminateRun(path.id, payload, mutation(headers, payload)), ok)))
    .handle("list", ({ urlParams }) => withSession((s) => Effect.map(s.listInstances({ ...urlParams, ...listRequest(urlParams) }), summaries)))
    .handle("get", ({ path }) => withSession((s) => Effect.map(s.getInstance(path.id), ok)))
    .handle("timeline", ({ path }) => withSession((s) => Effect.map(s.getTimeline(path.id), ok)))
    .handle("spans", ({ path, urlParams }) =>
      withSession((s) => Effect.map(s.listSpanOutlines(path.id, { ...urlParams, ...listRequest(urlParams) }), summaries)))
    .handle("risk", ({ path }) => withSession((s) => Effect.map(s.getRiskReport(path.id), ok)))
    .handle("recordQuality", ({ headers, path, payload }) =>
      withSession((s) => Effect.map(s.recordQuality(path.id, { name: payload.name, payload: payload.payload }, mutation(headers, payload)), ok))))

const spans = HttpApiBuilder.group(LedgerApi, "spans", (handlers) =>
  handlers
    .handle("create", ({ headers, payload }) => withSession((s) => Effect.map(s.recordSpanWithControl(payload.details, mutation(headers, payload)), spanAnswer)))
    .handle("createMany", ({ headers, payload }) => withSession((s) => Effect.map(s.recordSpans(payload.details, mutation(headers, payload)), ok)))
    .handle("finish", ({ headers, path, payload }) =>
      withSession((s) => Effect.map(s.finishSpanWithControl(path.id, payload ?? defaultFinishSpan, mutation(headers, payload)), spanAnswer)))
    .handle("list", ({ urlParams }) => withSession((s) => Effect.map(s.listSpans({ ...urlParams, ...listRequest(urlParams) }), summaries)))
    .handle("get", ({ path }) => withSession((s) => Effect.map(s.getSpan(path.id), ok))))

const overview = HttpApiBuilder.group(LedgerApi, "overview", (handlers) =>
  handlers.handle("get", ({ urlParams }) => withSession((s) => Effect.map(s.getOverview(urlParams), ok))))

const activity = HttpApiBuilder.group(LedgerApi, "activity", (handlers) =>
  handlers.handle("get", ({ urlParams }) => withSession((s) => Effect.map(s.getActivity(urlParams), ok))))

/** One bulk item: the use case its `_type` names, under its own idempotency key. */
const runItem = (s: LedgerSession, item: BulkItem, sdk: string | undefined): Effect.Effect<BulkOutput, DomainError> => {
  const options = { idempotencyKey: item.idempotency_key }
  switch (item._type) {
    case "agent_instances/register": {
      const { _type, idempotency_key: _, ...input } = item
      return Effect.map(s.registerRun(input, { ...options, reportedBy: { protocol: "prefactor", sdk } }), (details) => ({ status: "success" as const, _type, details }))
    }
    case "agent_instances/start": {
      const { _type, idempotency_key: _, agent_instance_id, ...input } = item
      return Effect.map(s.startRun(agent_instance_id, input, options), (details) => ({ status: "success" as const, _type, details }))
    }
    case "agent_instances/finish": {
      const { _type, idempotency_key: _, agent_instance_id, ...input } = item
      return Effect.map(s.finishRun(agent_instance_id, input, options), (details) => ({ status: "success" as const, _type, details }))
    }
    case "agent_spans/create":
      return Effect.map(s.recordSpan(item.details, options), (details) => ({ status: "success" as const, _type: item._type, details }))
    case "agent_spans/finish": {
      const { _type, idempotency_key: _, agent_span_id, ...input } = item
      return Effect.map(s.finishSpan(agent_span_id, input, options), (details) => ({ status: "success" as const, _type, details }))
    }
    case "agents/create":
      return s.createAgent(item.details, options).pipe(
        Effect.flatMap(agentView(s)),
        Effect.map((details) => ({ status: "success" as const, _type: item._type, details }))
      )
  }
}

const bulk = HttpApiBuilder.group(LedgerApi, "bulk", (handlers) =>
  handlers.handle("run", ({ headers, payload }) =>
    withSession((s) =>
      Effect.gen(function*() {
        yield* Commands.validateBulkKeys(payload.items.map((item) => item.idempotency_key))
        // Entries, not assignment onto `{}`: an item keyed `__proto__` would set the prototype
        // instead of becoming a key, and its output would be lost.
        const outputs: Array<readonly [string, BulkOutput]> = []
        for (const item of payload.items) {
          const result = yield* Effect.either(runItem(s, item, headers["x-prefactor-sdk"]))
          outputs.push([item.idempotency_key, Either.merge(result)])
          if (Either.isLeft(result)) break
        }
        return { status: "success" as const, outputs: Object.fromEntries(outputs) }
      })
    )))

/** Every request's bearer token becomes its session; a revoked token stops working at once. */
const authentication = Layer.effect(
  Authentication,
  Effect.map(Ledger, (ledger) => ({ bearer: (token: Redacted.Redacted<string>) => ledger.authenticate(Redacted.value(token)) }))
)

const operatorRefused = new Unauthenticated({ message: "the operator API needs the operator token" })

/** The operator's token (AGENTLEDGER_OPERATOR_TOKEN), compared in constant time; without one, the operator API refuses everyone. */
const operatorAuthentication = (operatorToken: Option.Option<Redacted.Redacted<string>>) =>
  Layer.succeed(OperatorAuthentication, {
    bearer: (token: Redacted.Redacted<string>) =>
      Option.isSome(operatorToken) && OperatorToken.matches(operatorToken.value, token) ? Effect.void : Effect.fail(operatorRefused)
  })

/**
 * Both authentications; needs the `Ledger`. The server's edge uses them too, to refuse an
 * unauthenticated request before its body is read.
 */
export const authentications = (options: { readonly operatorToken: Option.Option<Redacted.Redacted<string>> }) =>
  Layer.merge(authentication, operatorAuthentication(options.operatorToken))

/** The implemented contract; needs the `Ledger`. */
export const layer = (options: { readonly operatorToken: Option.Option<Redacted.Redacted<string>> }) =>
  HttpApiBuilder.api(LedgerApi).pipe(
    Layer.provide([account, admin, tokens, environments, agents, versions, schemaVersions, deployments, riskProfiles, instances, spans, overview, activity, masking, bulk, auditHandlers, erasure, ExportHandlers.layer]),
    Layer.provide(authentications(options))
  )
