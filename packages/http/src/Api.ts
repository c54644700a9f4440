/**
 * The contract: one `HttpApi` at `/api/v1`, a group per concept, in the Prefactor API's paths and
 * envelopes. The server implements it over the `Ledger`, the client is derived from it, and the
 * OpenAPI document is generated from it, so the three cannot drift apart.
 */
import { Commands, Ids, Timestamp } from "@agentledger/domain"
import * as HttpApi from "@effect/platform/HttpApi"
import * as HttpApiEndpoint from "@effect/platform/HttpApiEndpoint"
import * as HttpApiGroup from "@effect/platform/HttpApiGroup"
import * as HttpApiMiddleware from "@effect/platform/HttpApiMiddleware"
import * as HttpApiSecurity from "@effect/platform/HttpApiSecurity"
import * as OpenApi from "@effect/platform/OpenApi"
import { Context, Schema } from "effect"
import { ConflictError, InvalidActionError, InvalidInputError, NotFoundError, NotPermittedError, UnauthenticatedError } from "./ApiError.js"
import { ActivityQuery, activityDescription, ActivityWire } from "./ActivityRoute.js"
import { AuditGroup } from "./AuditRoute.js"
import { BulkRequest, BulkResponse } from "./Bulk.js"
import { MaskingGroup } from "./MaskingRoutes.js"
import { Details, List } from "./Envelope.js"
import { ErasureEndpoints } from "./ErasureRoutes.js"
import { ExportGroup } from "./ExportRoute.js"
import { recordQuality, sdkHeader, SpanAnswer } from "./NewerWire.js"
import {
  OutlineQuery,
  outlineDescription,
  OverviewQuery,
  overviewDescription,
  PageParams,
  PageQuery,
  RunListQuery,
  runListDescription
} from "./Queries.js"
import {
  AccountResource,
  AgentResource,
  AgentVersionResource,
  ApiTokenResource,
  DeploymentDetailsResource,
  DeploymentResource,
  EnvironmentResource,
  InstanceResource,
  OverviewWire,
  PrincipalResource,
  RiskProfileDetailsResource,
  RiskProfileResource,
  RiskProfileRevisionResource,
  RiskReportWire,
  SchemaVersionResource,
  SpanOutlineResource,
  SpanResource,
  TimelineResource,
  VersionRiskWire
} from "./Resources.js"
import type { LedgerSession } from "@agentledger/domain"

// ---------------------------------------------------------------------------------------------
// Authentication

/** The session of the request's bearer token, provided to every handler behind `Authentication`. */
export class CurrentSession extends Context.Tag("@agentledger/http/CurrentSession")<CurrentSession, LedgerSession>() {}

/** Bearer-token authentication of account and deployment tokens, on every request. */
export class Authentication extends HttpApiMiddleware.Tag<Authentication>()("@agentledger/http/Authentication", {
  failure: UnauthenticatedError,
  provides: CurrentSession,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

/** The operator's token, which reaches account creation and nothing else. */
export class OperatorAuthentication extends HttpApiMiddleware.Tag<OperatorAuthentication>()("@agentledger/http/OperatorAuthentication", {
  failure: UnauthenticatedError,
  security: { bearer: HttpApiSecurity.bearer }
}) {}

// ---------------------------------------------------------------------------------------------
// Request pieces

/** `Idempotency-Key`: a retried call with the same key has one effect and the first answer. */
export const IdempotencyHeaders = Schema.Struct({ "idempotency-key": Schema.optional(Schema.String) })

/** A registration's headers: its key, and the reporting SDK (`NewerWire.sdkHeader`). */
export const RegisterHeaders = Schema.Struct({ ...IdempotencyHeaders.fields, ...sdkHeader })

const idempotencyKey = { idempotency_key: Schema.optional(Schema.String) }

/** A create or update body: `{details: {...}, idempotency_key?}`. */
const Wrapped = <S extends Schema.Schema.AnyNoContext>(details: S) => Schema.Struct({ details, ...idempotencyKey })

/** An action's body: its fields at the top level; an empty body means none. */
const ActionBody = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.NullOr(Schema.Struct({ ...fields, ...idempotencyKey }))

const path = <Id>(id: Schema.Schema<Id, string>) => Schema.Struct({ id })

export { PageParams, type PageQuery } from "./Queries.js"

// ---------------------------------------------------------------------------------------------
// Groups

export class AccountGroup extends HttpApiGroup.make("account")
  .add(HttpApiEndpoint.get("ping", "/ping").addSuccess(Details(PrincipalResource)))
  .middleware(Authentication)
  .annotate(OpenApi.Description, "The caller: which account and token a bearer token stands for")
{}

export class AdminGroup extends HttpApiGroup.make("admin")
  .add(
    HttpApiEndpoint.post("createAccount", "/admin/account")
      .setPayload(Wrapped(Schema.Struct({ name: Schema.String })))
      .setHeaders(IdempotencyHeaders)
      .addSuccess(
        Schema.transform(
          // `token` is null when a retry under the same idempotency key answers the account again.
          Schema.Struct({ status: Schema.Literal("success"), details: AccountResource, api_token: ApiTokenResource, token: Schema.NullOr(Schema.String) }),
          Schema.Struct({ account: Schema.typeSchema(AccountResource), token: Schema.typeSchema(ApiTokenResource), secret: Schema.NullOr(Schema.String) }),
          {
            strict: true,
            decode: (wire) => ({ account: wire.details, token: wire.api_token, secret: wire.token }),
            encode: (created) => ({ status: "success" as const, details: created.account, api_token: created.token, token: created.secret })
          }
        ),
        { status: 201 }
      )
  )
  .middleware(OperatorAuthentication)
  .annotate(OpenApi.Description, "Operator API: open an account (only with AGENTLEDGER_OPERATOR_TOKEN)")
{}

/**
 * The endpoints of one collection at `base` (`/agent`, …), whose records have ids of `id` and
 * answer as `resource`: create (201), get, update, delete, and actions and reads of one record.
 * (Lists are written out: `setUrlParams` checks its Schema's encoded side, which a generic hides.)
 */
const collection = <Id, R extends Schema.Schema.AnyNoContext>(
  base: `/${string}`,
  id: Schema.Schema<Id, string>,
  resource: R
) => ({
  create: <B extends Schema.Schema.AnyNoContext>(body: B) =>
    HttpApiEndpoint.post("create", base).setPayload(Wrapped(body)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(resource), { status: 201 }),
  get: HttpApiEndpoint.get("get", `${base}/:id`).setPath(path(id)).addSuccess(Details(resource)),
  update: <B extends Schema.Schema.AnyNoContext>(body: B) =>
    HttpApiEndpoint.put("update", `${base}/:id`).setPath(path(id)).setPayload(Wrapped(body)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(resource)),
  delete: HttpApiEndpoint.del("delete", `${base}/:id`).setPath(path(id)).setHeaders(IdempotencyHeaders).addSuccess(Details(resource)),
  action: <const Name extends string, Fields extends Schema.Struct.Fields>(name: Name, fields: Fields) =>
    HttpApiEndpoint.post(name, `${base}/:id/${name}`).setPath(path(id)).setPayload(ActionBody(fields)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(resource)),
  read: <const Name extends string, S extends Schema.Schema.AnyNoContext>(name: Name, answer: S) =>
    HttpApiEndpoint.get(name, `${base}/:id/${name}`).setPath(path(id)).addSuccess(Details(answer))
})

const CreatedTokenResponse = Schema.transform(
  Schema.Struct({ status: Schema.Literal("success"), details: ApiTokenResource, token: Schema.NullOr(Schema.String) }),
  Schema.Struct({ token: Schema.typeSchema(ApiTokenResource), secret: Schema.NullOr(Schema.String) }),
  {
    strict: true,
    decode: (wire) => ({ token: wire.details, secret: wire.token }),
    encode: (created) => ({ status: "success" as const, details: created.token, token: created.secret })
  }
)

const tokens = collection("/api_token", Ids.ApiTokenId, ApiTokenResource)

export class ApiTokenGroup extends HttpApiGroup.make("tokens")
  .add(
    HttpApiEndpoint.post("create", "/api_token").setPayload(Wrapped(Commands.CreateToken)).setHeaders(IdempotencyHeaders)
      .addSuccess(CreatedTokenResponse, { status: 201 })
  )
  .add(HttpApiEndpoint.get("list", "/api_token").addSuccess(List(ApiTokenResource)).setUrlParams(PageQuery))
  .add(tokens.get)
  .add(tokens.action("suspend", {}))
  .add(tokens.action("activate", {}))
  .add(tokens.action("revoke", {}))
  .add(tokens.action("expire", {}))
  .add(tokens.delete)
  .annotate(OpenApi.Description, "API tokens: account-scoped or deployment-scoped; the secret is shown once")
  .middleware(Authentication)
{}

const environments = collection("/environment", Ids.EnvironmentId, EnvironmentResource)

export class EnvironmentGroup extends HttpApiGroup.make("environments")
  .add(environments.create(Commands.CreateEnvironment))
  .add(HttpApiEndpoint.get("list", "/environment").addSuccess(List(EnvironmentResource)).setUrlParams(PageQuery))
  .add(environments.get)
  .add(environments.update(Commands.UpdateEnvironment))
  .add(environments.delete)
  .annotate(OpenApi.Description, "Environments (names unique per account, case-insensitively)")
  .middleware(Authentication)
{}

const agents = collection("/agent", Ids.AgentId, AgentResource)

/** `include_counts=true` adds `instance_counts` (the agent's runs by status). */
const IncludeCounts = { include_counts: Schema.optional(Schema.String) }

export class AgentGroup extends HttpApiGroup.make("agents")
  .add(agents.create(Commands.CreateAgent))
  .add(HttpApiEndpoint.get("list", "/agent").addSuccess(List(AgentResource)).setUrlParams(Schema.Struct({ ...PageParams, risk_profile_id: Schema.optional(Ids.RiskProfileId) })))
  .add(
    HttpApiEndpoint.get("show", "/agent/show").setUrlParams(Schema.Struct({ external_identifier: Schema.String, ...IncludeCounts }))
      .addSuccess(Details(AgentResource))
  )
  .add(agents.get.setUrlParams(Schema.Struct(IncludeCounts)))
  .add(agents.update(Commands.UpdateAgent))
  .add(agents.action("retire", {}))
  .add(agents.action("reinstate", {}))
  .add(agents.delete)
  .annotate(OpenApi.Description, "Agents")
  .middleware(Authentication)
{}

const OfAgent = Schema.Struct({ ...PageParams, agent_id: Ids.AgentId })
const versions = collection("/agent_version", Ids.AgentVersionId, AgentVersionResource)

export class AgentVersionGroup extends HttpApiGroup.make("versions")
  .add(HttpApiEndpoint.get("list", "/agent_version").addSuccess(List(AgentVersionResource)).setUrlParams(OfAgent))
  .add(versions.get)
  .add(versions.read("risk", Schema.NullOr(VersionRiskWire)))
  .annotate(OpenApi.Description, "Agent versions: created by runs, one per distinct content; theoretical risk and violations")
  .middleware(Authentication)
{}

const schemaVersions = collection("/agent_schema_version", Ids.SchemaVersionId, SchemaVersionResource)

export class SchemaVersionGroup extends HttpApiGroup.make("schemaVersions")
  .add(HttpApiEndpoint.get("list", "/agent_schema_version").addSuccess(List(SchemaVersionResource)).setUrlParams(OfAgent))
  .add(schemaVersions.get)
  .annotate(OpenApi.Description, "Activity-schema versions: created by runs, one per distinct content")
  .middleware(Authentication)
{}

const deployments = collection("/agent_deployment", Ids.DeploymentId, DeploymentDetailsResource)

export class DeploymentGroup extends HttpApiGroup.make("deployments")
  .add(deployments.create(Commands.CreateDeployment))
  .add(
    HttpApiEndpoint.get("list", "/agent_deployment")
      .setUrlParams(Schema.Struct({ ...PageParams, agent_id: Schema.optional(Ids.AgentId), environment_id: Schema.optional(Ids.EnvironmentId) }))
      .addSuccess(List(DeploymentResource))
  )
  .add(deployments.get)
  .add(deployments.update(Commands.UpdateDeployment))
  .add(
    HttpApiEndpoint.post("rollback", "/agent_deployment/:id/rollback").setPath(path(Ids.DeploymentId))
      .setPayload(Wrapped(Commands.RollbackDeployment)).setHeaders(IdempotencyHeaders).addSuccess(Details(DeploymentDetailsResource))
  )
  .add(
    HttpApiEndpoint.del("delete", "/agent_deployment/:id").setPath(path(Ids.DeploymentId)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(DeploymentResource))
  )
  .annotate(OpenApi.Description, "Deployments: one per agent and environment; history of every pointer move; rollback")
  .middleware(Authentication)
{}

const riskProfiles = collection("/risk_profile", Ids.RiskProfileId, RiskProfileDetailsResource)

export class RiskProfileGroup extends HttpApiGroup.make("riskProfiles")
  .add(riskProfiles.create(Commands.CreateRiskProfile))
  .add(HttpApiEndpoint.get("list", "/risk_profile").setUrlParams(PageQuery).addSuccess(List(RiskProfileResource)))
  .add(riskProfiles.get)
  .add(riskProfiles.read("revisions", Schema.Array(RiskProfileRevisionResource)))
  .add(riskProfiles.update(Commands.UpdateRiskProfile))
  .add(riskProfiles.delete)
  .annotate(OpenApi.Description, "Risk profiles: category weights, action multipliers, thresholds; every edit a new revision")
  .middleware(Authentication)
{}

/** `{agent_instance_id, schema_name, ...}`; `agent_instance_id` may be null only to be refused with a 4xx. */
const RegisterBody = Schema.Struct({ ...Commands.RegisterRun.fields, ...idempotencyKey })

const instances = collection("/agent_instance", Ids.InstanceId, InstanceResource)

export class InstanceGroup extends HttpApiGroup.make("instances")
  .add(
    HttpApiEndpoint.post("register", "/agent_instance/register").setPayload(RegisterBody).setHeaders(RegisterHeaders)
      .addSuccess(Details(InstanceResource), { status: 201 })
  )
  .add(instances.action("start", Commands.StartRun.fields))
  .add(instances.action("finish", Commands.FinishRun.fields))
  .add(
    HttpApiEndpoint.post("terminate", "/agent_instance/:id/terminate").setPath(path(Ids.InstanceId))
      .setPayload(Schema.Struct({ ...Commands.TerminateRun.fields, ...idempotencyKey })).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(InstanceResource))
  )
  .add(HttpApiEndpoint.get("list", "/agent_instance").addSuccess(List(InstanceResource)).setUrlParams(RunListQuery)
    .annotate(OpenApi.Description, runListDescription))
  .add(instances.get)
  .add(instances.read("timeline", TimelineResource))
  .add(
    HttpApiEndpoint.get("spans", "/agent_instance/:id/spans").setPath(path(Ids.InstanceId)).setUrlParams(OutlineQuery)
      .addSuccess(List(SpanOutlineResource))
      .annotate(OpenApi.Description, outlineDescription)
  )
  .add(instances.read("risk", Schema.NullOr(RiskReportWire)))
  .add(recordQuality.setHeaders(IdempotencyHeaders))
  .annotate(OpenApi.Description, "Agent instances (runs): register, start, finish, terminate, record quality; timeline, span outline and risk")
  .middleware(Authentication)
{}

const spans = collection("/agent_spans", Ids.SpanId, SpanResource)

/**
 * The two routes every reporting SDK calls once per span, by their schemas: the contract declares
 * them with these, and `HotRoutes.ts` serves them by these same values.
 */
export const SpanRoutes = {
  createPath: "/api/v1/agent_spans",
  createBody: Wrapped(Commands.CreateSpan),
  created: 201,
  finishParams: path(Ids.SpanId),
  finishBody: ActionBody(Commands.FinishSpan.fields),
  finished: 200,
  headers: IdempotencyHeaders,
  answer: SpanAnswer
} as const

export class SpanGroup extends HttpApiGroup.make("spans")
  .add(
    HttpApiEndpoint.post("create", "/agent_spans").setPayload(SpanRoutes.createBody).setHeaders(SpanRoutes.headers)
      .addSuccess(SpanRoutes.answer, { status: SpanRoutes.created })
  )
  .add(
    HttpApiEndpoint.post("createMany", "/agent_spans/batch").setPayload(Wrapped(Schema.Array(Commands.CreateSpan)))
      .setHeaders(IdempotencyHeaders).addSuccess(Details(Schema.Array(SpanResource)), { status: 201 })
  )
  .add(
    HttpApiEndpoint.post("finish", "/agent_spans/:id/finish").setPath(SpanRoutes.finishParams).setPayload(SpanRoutes.finishBody)
      .setHeaders(SpanRoutes.headers).addSuccess(SpanRoutes.answer, { status: SpanRoutes.finished })
  )
  .add(HttpApiEndpoint.get("list", "/agent_spans").addSuccess(List(SpanResource)).setUrlParams(Schema.Struct({
    ...PageParams,
    agent_instance_id: Schema.optional(Ids.InstanceId),
    agent_id: Schema.optional(Ids.AgentId),
    start_time: Schema.optional(Timestamp.Timestamp),
    end_time: Schema.optional(Timestamp.Timestamp),
    include_summaries: Schema.optional(Schema.String)
  })))
  .add(spans.get)
  .annotate(OpenApi.Description, "Agent spans: recorded always, checked against the run's activity schema, scored by its risk profile")
  .middleware(Authentication)
{}

export class OverviewGroup extends HttpApiGroup.make("overview")
  .add(HttpApiEndpoint.get("get", "/overview").setUrlParams(OverviewQuery).addSuccess(Details(OverviewWire)).annotate(OpenApi.Description, overviewDescription))
  .annotate(OpenApi.Description, "What a reviewer reads first: runs of the last day per agent, and those needing attention")
  .middleware(Authentication)
{}

export class ActivityGroup extends HttpApiGroup.make("activity")
  .add(HttpApiEndpoint.get("get", "/activity").setUrlParams(ActivityQuery).addSuccess(Details(ActivityWire)).annotate(OpenApi.Description, activityDescription))
  .annotate(OpenApi.Description, "Spans by status over time, in buckets: the activity chart of the account, an agent or a run")
  .middleware(Authentication)
{}

export class BulkGroup extends HttpApiGroup.make("bulk")
  .add(HttpApiEndpoint.post("run", "/bulk").setPayload(BulkRequest).setHeaders(RegisterHeaders).addSuccess(BulkResponse))
  .annotate(OpenApi.Description, "Several calls in one request: in order, one transaction each, stopping at the first error")
  .middleware(Authentication)
{}

/** The whole API. Domain failures are declared once, here, with their status and envelope. */
export class LedgerApi extends HttpApi.make("agentledger")
  .add(AccountGroup)
  .add(AdminGroup)
  .add(ApiTokenGroup)
  .add(EnvironmentGroup)
  .add(AgentGroup)
  .add(AgentVersionGroup)
  .add(SchemaVersionGroup)
  .add(DeploymentGroup)
  .add(RiskProfileGroup)
  .add(InstanceGroup)
  .add(SpanGroup)
  .add(OverviewGroup)
  .add(ActivityGroup)
  .add(MaskingGroup.middleware(Authentication))
  .add(ExportGroup.middleware(Authentication))
  .add(BulkGroup)
  .add(AuditGroup.middleware(Authentication))
  .add(ErasureEndpoints.middleware(Authentication))
  .addError(InvalidInputError)
  .addError(NotFoundError)
  .addError(InvalidActionError)
  .addError(ConflictError)
  .addError(UnauthenticatedError)
  .addError(NotPermittedError)
  .prefix("/api/v1")
  .annotate(OpenApi.Title, "agentledger")
  .annotate(OpenApi.Description, "The Prefactor-compatible API of agentledger. Every route takes `Authorization: Bearer <token>`.")
{}

