/**
 * Compile-time checks that what the console reads is what the contract encodes: every check is
 * `Fits<Encoded, Read>`, which fails to compile when a field the console reads is missing from
 * the contract's answer or has another type. Nothing here reaches the bundle (it holds only
 * types), and the contract's Schemas never reach the browser. The audit routes' answers are the
 * domain's `AuditEvent` (with the resource's `type`) and `Verification`, read here from the domain.
 */
import type { Audit } from "@agentledger/domain"
import type { ActivityRoute, ErasureRoutes, Resources } from "@agentledger/http"
import type * as Account from "./Account.js"
import type * as ActivityReads from "./Activity.js"
import type * as Agents from "./Agents.js"
import type * as AuditReads from "./Audit.js"
import type * as Erasure from "./Erasure.js"
import type * as Runs from "./Runs.js"

/** The wire form of a contract Schema. */
type Encoded<S extends { readonly Encoded: unknown }> = S["Encoded"]

/** Compiles only when `Wire` (what the contract sends) can be read as `Read`. */
type Fits<Wire extends Read, Read> = [Wire, Read]

type RevisionWire = Encoded<typeof Resources.RiskProfileRevisionResource>
type SchemaVersionWire = Encoded<typeof Resources.SchemaVersionResource>

export type Checks = [
  Fits<Encoded<typeof Resources.PrincipalResource>, Account.Principal>,
  Fits<Encoded<typeof Resources.InstanceResource>, Runs.Instance>,
  Fits<NonNullable<Encoded<typeof Resources.InstanceResource>["reported_by"]>, Runs.ReportedBy>,
  Fits<Encoded<typeof Resources.SpanOutlineResource>, Runs.SpanOutline>,
  Fits<Encoded<typeof Resources.SpanResource>, Runs.Span>,
  Fits<Encoded<typeof Resources.RiskReportWire>, Runs.RiskReport>,
  Fits<Encoded<typeof Resources.AgentResource>, Agents.Agent>,
  Fits<Encoded<typeof Resources.AgentVersionResource>, Agents.AgentVersion>,
  Fits<Omit<SchemaVersionWire, "span_type_schemas">, Omit<Agents.SchemaVersion, "span_type_schemas">>,
  Fits<SchemaVersionWire["span_type_schemas"][string], Agents.SpanTypeDefinition>,
  Fits<Encoded<typeof Resources.VersionRiskWire>, Agents.VersionRisk>,
  Fits<Encoded<typeof Resources.DeploymentResource>, Agents.Deployment>,
  Fits<Encoded<typeof Resources.DeploymentDetailsResource>, Agents.DeploymentDetails>,
  Fits<Encoded<typeof Resources.EnvironmentResource>, Account.Environment>,
  Fits<Encoded<typeof Resources.ApiTokenResource>, Account.ApiToken>,
  Fits<Encoded<typeof Resources.RiskProfileResource>, Account.RiskProfile>,
  Fits<Encoded<typeof Resources.OverviewWire>, Account.Overview>,
  Fits<Encoded<typeof ActivityRoute.ActivityWire>, ActivityReads.Activity>,
  Fits<Encoded<typeof Audit.AuditEvent>, AuditReads.AuditEvent>,
  Fits<Encoded<typeof Audit.Verification>, AuditReads.Verification>,
  Fits<Encoded<typeof ErasureRoutes.ErasedResource>, Erasure.Erased>,
  Fits<Encoded<typeof ErasureRoutes.RetentionPolicyResource>, Erasure.RetentionPolicy>,
  Fits<Omit<RevisionWire, "rules">, Omit<Account.RiskProfileRevision, "rules">>,
  Fits<RevisionWire["rules"]["thresholds"], Account.RiskRules["thresholds"]>,
  Fits<RevisionWire["rules"]["category_weights"][string], Account.RiskRules["category_weights"][number][1]>,
  Fits<RevisionWire["rules"]["action_multipliers"][string], Account.RiskRules["action_multipliers"][number][1]>
]
