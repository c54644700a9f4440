/**
 * Setup through the API with the account token: an agent (optionally under a risk profile), its
 * production deployment and a deployment-scoped token — what an SDK is given — and risk profiles.
 */
import type { Schema } from "effect"
import type { Json } from "./json.js"
import { call, expectAnswer } from "./jsonClient.js"
import { Created, CreatedToken, Details, Environment, List } from "./resources.js"

export interface Deployed {
  readonly agentId: string
  readonly environmentId: string
  readonly deploymentId: string
  readonly tokenId: string
  /** The deployment-scoped token's secret: what the SDK is given. */
  readonly token: string
}

/** An agent (optionally under a risk profile), its production deployment and a deployment-scoped token. */
export const deployAgent = async (
  base: string,
  accountToken: string,
  options: { readonly name: string; readonly riskProfileId?: string }
): Promise<Deployed> => {
  const post = async <A, I>(path: string, body: Json, schema: Schema.Schema<A, I>): Promise<A> =>
    expectAnswer(await call(base, accountToken, "POST", path, body), 201, schema, `POST ${path}`)
  const agent = await post(
    "/api/v1/agent",
    { details: { name: options.name, ...(options.riskProfileId === undefined ? {} : { risk_profile_id: options.riskProfileId }) } },
    Details(Created)
  )
  const environments = expectAnswer(await call(base, accountToken, "GET", "/api/v1/environment"), 200, List(Environment), "GET /api/v1/environment")
  const production = environments.summaries.find((environment) => environment.name === "production")
  if (production === undefined) throw new Error(`no production environment among ${JSON.stringify(environments.summaries)}`)
  const deployment = await post(
    "/api/v1/agent_deployment",
    { details: { agent_id: agent.details.id, environment_id: production.id } },
    Details(Created)
  )
  const token = await post(
    "/api/v1/api_token",
    { details: { token_scope: "agent_deployment", agent_deployment_id: deployment.details.id } },
    CreatedToken
  )
  return {
    agentId: agent.details.id,
    environmentId: production.id,
    deploymentId: deployment.details.id,
    tokenId: token.details.id,
    token: token.token
  }
}

export const createRiskProfile = async (base: string, accountToken: string, details: Json): Promise<string> =>
  expectAnswer(
    await call(base, accountToken, "POST", "/api/v1/risk_profile", { details }),
    201,
    Details(Created),
    "POST /api/v1/risk_profile"
  ).details.id
