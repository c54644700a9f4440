/**
 * The contract: one `HttpApi` at `/api/v1`, a group per concept, in the Prefactor API's paths and
 * envelopes. The server implements it over the `Ledger`, the client is derived from it, and the
 * OpenAPI document is generated from it, so the three cannot drift apart.
 */
import {
  Commands,
  Ids,
  Page,
  RiskReport,
  Status,
  VersionRisk
} from "@agentledger/domain"
import { HttpApi, HttpApiEndpoint, HttpApiGroup, HttpApiMiddleware, HttpApiSecurity, OpenApi } from "@effect/platform"
import { Context, Schema } from "effect"
import {
  ConflictError,
  InvalidActionError,
  InvalidInputError,
  NotFoundError,
  NotPermittedError,
  UnauthenticatedError
} from "./ApiError.js"
import { BulkRequest, BulkResponse } from "./Bulk.js"
import { Details, List } from "./Envelope.js"
import {
  AccountResource,
  AgentResource,
  AgentVersionResource,
  ApiTokenResource,
  DeploymentDetailsResource,
  DeploymentResource,
  EnvironmentResource,
  InstanceResource,
  PrincipalResource,
  RiskProfileDetailsResource,
  RiskProfileResource,
  RiskProfileRevisionResource,
  SchemaVersionResource,
  SpanResource,
  TimelineResource
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

const idempotencyKey = { idempotency_key: Schema.optional(Schema.String) }

/** A create or update body: `{details: {...}, idempotency_key?}`. */
const Wrapped = <S extends Schema.Schema.AnyNoContext>(details: S) => Schema.Struct({ details, ...idempotencyKey })

/** An action's body: its fields at the top level; an empty body means none. */
const ActionBody = <Fields extends Schema.Struct.Fields>(fields: Fields) =>
  Schema.NullOr(Schema.Struct({ ...fields, ...idempotencyKey }))

const IntFromString = Schema.NumberFromString.pipe(Schema.int())

/** The page and order of a list, as the Prefactor API's query parameters. */
export const PageParams = {
  "pagination[offset]": Schema.optional(IntFromString),
  "pagination[page_size]": Schema.optional(IntFromString),
  sorting: Schema.optional(Schema.String),
  "sorting[field]": Schema.optional(Schema.String),
  "sorting[direction]": Schema.optional(Page.SortDirection)
}
const PageQuery = Schema.Struct(PageParams)
export type PageQuery = typeof PageQuery.Type

const path = <S extends Schema.Schema.AnyNoContext>(id: S) => Schema.Struct({ id })

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
      .addSuccess(
        Schema.transform(
          Schema.Struct({ status: Schema.Literal("success"), details: AccountResource, api_token: ApiTokenResource, token: Schema.String }),
          Schema.Struct({ account: Schema.typeSchema(AccountResource), token: Schema.typeSchema(ApiTokenResource), secret: Schema.String }),
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

const CreatedTokenResponse = Schema.transform(
  Schema.Struct({ status: Schema.Literal("success"), details: ApiTokenResource, token: Schema.NullOr(Schema.String) }),
  Schema.Struct({ token: Schema.typeSchema(ApiTokenResource), secret: Schema.NullOr(Schema.String) }),
  {
    strict: true,
    decode: (wire) => ({ token: wire.details, secret: wire.token }),
    encode: (created) => ({ status: "success" as const, details: created.token, token: created.secret })
  }
)

export class ApiTokenGroup extends HttpApiGroup.make("tokens")
  .add(
    HttpApiEndpoint.post("create", "/api_token").setPayload(Wrapped(Commands.CreateToken)).setHeaders(IdempotencyHeaders)
      .addSuccess(CreatedTokenResponse, { status: 201 })
  )
  .add(HttpApiEndpoint.get("list", "/api_token").setUrlParams(PageQuery).addSuccess(List(ApiTokenResource)))
  .add(HttpApiEndpoint.get("get", "/api_token/:id").setPath(path(Ids.ApiTokenId)).addSuccess(Details(ApiTokenResource)))
  .add(tokenAction("suspend"))
  .add(tokenAction("activate"))
  .add(tokenAction("revoke"))
  .add(tokenAction("expire"))
  .add(
    HttpApiEndpoint.del("delete", "/api_token/:id").setPath(path(Ids.ApiTokenId)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(ApiTokenResource))
  )
  .annotate(OpenApi.Description, "API tokens: account-scoped or deployment-scoped; the secret is shown once")
  .middleware(Authentication)
{}

function tokenAction<const Name extends string>(name: Name) {
  return HttpApiEndpoint.post(name, `/api_token/:id/${name}`).setPath(path(Ids.ApiTokenId)).setPayload(ActionBody({}))
    .setHeaders(IdempotencyHeaders).addSuccess(Details(ApiTokenResource))
}

export class EnvironmentGroup extends HttpApiGroup.make("environments")
  .add(
    HttpApiEndpoint.post("create", "/environment").setPayload(Wrapped(Commands.CreateEnvironment)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(EnvironmentResource), { status: 201 })
  )
  .add(HttpApiEndpoint.get("list", "/environment").setUrlParams(PageQuery).addSuccess(List(EnvironmentResource)))
  .add(HttpApiEndpoint.get("get", "/environment/:id").setPath(path(Ids.EnvironmentId)).addSuccess(Details(EnvironmentResource)))
  .add(
    HttpApiEndpoint.put("update", "/environment/:id").setPath(path(Ids.EnvironmentId)).setPayload(Wrapped(Commands.UpdateEnvironment))
      .setHeaders(IdempotencyHeaders).addSuccess(Details(EnvironmentResource))
  )
  .add(
    HttpApiEndpoint.del("delete", "/environment/:id").setPath(path(Ids.EnvironmentId)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(EnvironmentResource))
  )
  .annotate(OpenApi.Description, "Environments (names unique per account, case-insensitively)")
  .middleware(Authentication)
{}

export class AgentGroup extends HttpApiGroup.make("agents")
  .add(
    HttpApiEndpoint.post("create", "/agent").setPayload(Wrapped(Commands.CreateAgent)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(AgentResource), { status: 201 })
  )
  .add(
    HttpApiEndpoint.get("list", "/agent").setUrlParams(Schema.Struct({ ...PageParams, risk_profile_id: Schema.optional(Ids.RiskProfileId) }))
      .addSuccess(List(AgentResource))
  )
  .add(
    HttpApiEndpoint.get("show", "/agent/show").setUrlParams(Schema.Struct({ external_identifier: Schema.String }))
      .addSuccess(Details(AgentResource))
  )
  .add(HttpApiEndpoint.get("get", "/agent/:id").setPath(path(Ids.AgentId)).addSuccess(Details(AgentResource)))
  .add(
    HttpApiEndpoint.put("update", "/agent/:id").setPath(path(Ids.AgentId)).setPayload(Wrapped(Commands.UpdateAgent))
      .setHeaders(IdempotencyHeaders).addSuccess(Details(AgentResource))
  )
  .add(agentAction("retire"))
  .add(agentAction("reinstate"))
  .add(
    HttpApiEndpoint.del("delete", "/agent/:id").setPath(path(Ids.AgentId)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(AgentResource))
  )
  .annotate(OpenApi.Description, "Agents")
  .middleware(Authentication)
{}

function agentAction<const Name extends string>(name: Name) {
  return HttpApiEndpoint.post(name, `/agent/:id/${name}`).setPath(path(Ids.AgentId)).setPayload(ActionBody({}))
    .setHeaders(IdempotencyHeaders).addSuccess(Details(AgentResource))
}

const OfAgent = Schema.Struct({ ...PageParams, agent_id: Ids.AgentId })

export class AgentVersionGroup extends HttpApiGroup.make("versions")
  .add(HttpApiEndpoint.get("list", "/agent_version").setUrlParams(OfAgent).addSuccess(List(AgentVersionResource)))
  .add(HttpApiEndpoint.get("get", "/agent_version/:id").setPath(path(Ids.AgentVersionId)).addSuccess(Details(AgentVersionResource)))
  .add(
    HttpApiEndpoint.get("risk", "/agent_version/:id/risk").setPath(path(Ids.AgentVersionId))
      .addSuccess(Details(Schema.NullOr(VersionRisk)))
  )
  .annotate(OpenApi.Description, "Agent versions: created by runs, one per distinct content; theoretical risk and violations")
  .middleware(Authentication)
{}

export class SchemaVersionGroup extends HttpApiGroup.make("schemaVersions")
  .add(HttpApiEndpoint.get("list", "/agent_schema_version").setUrlParams(OfAgent).addSuccess(List(SchemaVersionResource)))
  .add(
    HttpApiEndpoint.get("get", "/agent_schema_version/:id").setPath(path(Ids.SchemaVersionId))
      .addSuccess(Details(SchemaVersionResource))
  )
  .annotate(OpenApi.Description, "Activity-schema versions: created by runs, one per distinct content")
  .middleware(Authentication)
{}

export class DeploymentGroup extends HttpApiGroup.make("deployments")
  .add(
    HttpApiEndpoint.post("create", "/agent_deployment").setPayload(Wrapped(Commands.CreateDeployment)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(DeploymentDetailsResource), { status: 201 })
  )
  .add(
    HttpApiEndpoint.get("list", "/agent_deployment")
      .setUrlParams(Schema.Struct({ ...PageParams, agent_id: Schema.optional(Ids.AgentId), environment_id: Schema.optional(Ids.EnvironmentId) }))
      .addSuccess(List(DeploymentResource))
  )
  .add(HttpApiEndpoint.get("get", "/agent_deployment/:id").setPath(path(Ids.DeploymentId)).addSuccess(Details(DeploymentDetailsResource)))
  .add(
    HttpApiEndpoint.put("update", "/agent_deployment/:id").setPath(path(Ids.DeploymentId)).setPayload(Wrapped(Commands.UpdateDeployment))
      .setHeaders(IdempotencyHeaders).addSuccess(Details(DeploymentDetailsResource))
  )
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

export class RiskProfileGroup extends HttpApiGroup.make("riskProfiles")
  .add(
    HttpApiEndpoint.post("create", "/risk_profile").setPayload(Wrapped(Commands.CreateRiskProfile)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(RiskProfileDetailsResource), { status: 201 })
  )
  .add(HttpApiEndpoint.get("list", "/risk_profile").setUrlParams(PageQuery).addSuccess(List(RiskProfileResource)))
  .add(HttpApiEndpoint.get("get", "/risk_profile/:id").setPath(path(Ids.RiskProfileId)).addSuccess(Details(RiskProfileDetailsResource)))
  .add(
    HttpApiEndpoint.get("revisions", "/risk_profile/:id/revisions").setPath(path(Ids.RiskProfileId))
      .addSuccess(Details(Schema.Array(RiskProfileRevisionResource)))
  )
  .add(
    HttpApiEndpoint.put("update", "/risk_profile/:id").setPath(path(Ids.RiskProfileId)).setPayload(Wrapped(Commands.UpdateRiskProfile))
      .setHeaders(IdempotencyHeaders).addSuccess(Details(RiskProfileDetailsResource))
  )
  .add(
    HttpApiEndpoint.del("delete", "/risk_profile/:id").setPath(path(Ids.RiskProfileId)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(RiskProfileDetailsResource))
  )
  .annotate(OpenApi.Description, "Risk profiles: category weights, action multipliers, thresholds; every edit a new revision")
  .middleware(Authentication)
{}

/** `{agent_instance_id, schema_name, ...}`; `agent_instance_id` may be null only to be refused with a 4xx. */
const RegisterBody = Schema.Struct({ ...Commands.RegisterRun.fields, ...idempotencyKey })

export class InstanceGroup extends HttpApiGroup.make("instances")
  .add(
    HttpApiEndpoint.post("register", "/agent_instance/register").setPayload(RegisterBody).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(InstanceResource), { status: 201 })
  )
  .add(
    HttpApiEndpoint.post("start", "/agent_instance/:id/start").setPath(path(Ids.InstanceId))
      .setPayload(ActionBody(Commands.StartRun.fields)).setHeaders(IdempotencyHeaders).addSuccess(Details(InstanceResource))
  )
  .add(
    HttpApiEndpoint.post("finish", "/agent_instance/:id/finish").setPath(path(Ids.InstanceId))
      .setPayload(ActionBody(Commands.FinishRun.fields)).setHeaders(IdempotencyHeaders).addSuccess(Details(InstanceResource))
  )
  .add(
    HttpApiEndpoint.post("terminate", "/agent_instance/:id/terminate").setPath(path(Ids.InstanceId))
      .setPayload(Schema.Struct({ ...Commands.TerminateRun.fields, ...idempotencyKey })).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(InstanceResource))
  )
  .add(
    HttpApiEndpoint.get("list", "/agent_instance")
      .setUrlParams(Schema.Struct({
        ...PageParams,
        agent_id: Schema.optional(Ids.AgentId),
        agent_version_id: Schema.optional(Ids.AgentVersionId),
        environment_id: Schema.optional(Ids.EnvironmentId),
        status: Schema.optional(Status.Status)
      }))
      .addSuccess(List(InstanceResource))
  )
  .add(HttpApiEndpoint.get("get", "/agent_instance/:id").setPath(path(Ids.InstanceId)).addSuccess(Details(InstanceResource)))
  .add(HttpApiEndpoint.get("timeline", "/agent_instance/:id/timeline").setPath(path(Ids.InstanceId)).addSuccess(Details(TimelineResource)))
  .add(HttpApiEndpoint.get("risk", "/agent_instance/:id/risk").setPath(path(Ids.InstanceId)).addSuccess(Details(Schema.NullOr(RiskReport))))
  .annotate(OpenApi.Description, "Agent instances (runs): register, start, finish, terminate; timeline and risk")
  .middleware(Authentication)
{}

export class SpanGroup extends HttpApiGroup.make("spans")
  .add(
    HttpApiEndpoint.post("create", "/agent_spans").setPayload(Wrapped(Commands.CreateSpan)).setHeaders(IdempotencyHeaders)
      .addSuccess(Details(SpanResource), { status: 201 })
  )
  .add(
    HttpApiEndpoint.post("createMany", "/agent_spans/batch").setPayload(Wrapped(Schema.Array(Commands.CreateSpan)))
      .setHeaders(IdempotencyHeaders).addSuccess(Details(Schema.Array(SpanResource)), { status: 201 })
  )
  .add(
    HttpApiEndpoint.post("finish", "/agent_spans/:id/finish").setPath(path(Ids.SpanId))
      .setPayload(ActionBody(Commands.FinishSpan.fields)).setHeaders(IdempotencyHeaders).addSuccess(Details(SpanResource))
  )
  .add(
    HttpApiEndpoint.get("list", "/agent_spans")
      .setUrlParams(Schema.Struct({
        ...PageParams,
        agent_instance_id: Schema.optional(Ids.InstanceId),
        agent_id: Schema.optional(Ids.AgentId),
        start_time: Schema.optional(Schema.DateTimeUtc),
        end_time: Schema.optional(Schema.DateTimeUtc),
        include_summaries: Schema.optional(Schema.String)
      }))
      .addSuccess(List(SpanResource))
  )
  .add(HttpApiEndpoint.get("get", "/agent_spans/:id").setPath(path(Ids.SpanId)).addSuccess(Details(SpanResource)))
  .annotate(OpenApi.Description, "Agent spans: recorded always, checked against the run's activity schema, scored by its risk profile")
  .middleware(Authentication)
{}

export class BulkGroup extends HttpApiGroup.make("bulk")
  .add(HttpApiEndpoint.post("run", "/bulk").setPayload(BulkRequest).addSuccess(BulkResponse))
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
  .add(BulkGroup)
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

