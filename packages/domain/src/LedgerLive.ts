/**
 * The local implementation of the `Ledger` port: every use case as load → decide → persist over
 * a `LedgerStore`. The decisions are the pure functions of the other modules; this module only
 * sequences them inside units of work, scopes them to the caller, and keeps the caches of
 * immutable records (compiled schemas, run contexts) that make a span decision O(1).
 */
import { DateTime, type Duration, Effect, Either, Layer, Option, Schema } from "effect"
import * as Account from "./Account.js"
import * as ActivitySchema from "./ActivitySchema.js"
import * as AgentModule from "./Agent.js"
import * as AgentVersionModule from "./AgentVersion.js"
import * as ApiTokenModule from "./ApiToken.js"
import type * as Commands from "./Commands.js"
import { maxIdempotencyKeyLength, type MutationOptions, validateSpanBatch } from "./Commands.js"
import * as DeploymentModule from "./Deployment.js"
import { fingerprintOf } from "./Digest.js"
import * as EnvironmentModule from "./Environment.js"
import { Conflict, InvalidAction, InvalidInput, NotFound, NotPermitted } from "./Errors.js"
import * as GroupCommit from "./GroupCommit.js"
import * as Idempotency from "./Idempotency.js"
import * as Ids from "./Ids.js"
import * as InstanceModule from "./Instance.js"
import { findUnstorable, unstorableReason } from "./Json.js"
import {
  CreatedAccount,
  Ledger,
  type LedgerSession,
  OpenedAccount,
  type Paged,
  type Principal,
  RecordedSpans,
} from "./Ledger.js"
import { type ListQuery, type Listed, LedgerStore, sortFields, type StoreTx, type UniqueViolation } from "./LedgerStore.js"
import { Lru } from "./Lru.js"
import { paginate, parseSorting, validatePage } from "./Page.js"
import * as Risk from "./Risk.js"
import * as RiskProfileModule from "./RiskProfile.js"
import * as SchemaVersionModule from "./SchemaVersion.js"
import * as OutsideWork from "./OutsideWork.js"
import * as SpanModule from "./Span.js"
import { defaultOutlineSorting, outlineSortFields } from "./SpanOutline.js"
import { noCounts } from "./Status.js"
import * as Timeline from "./Timeline.js"
import * as Agents from "./usecases/Agents.js"
import * as Deployments from "./usecases/Deployments.js"
import * as Environments from "./usecases/Environments.js"
import * as Session from "./usecases/Session.js"
import * as RiskProfiles from "./usecases/RiskProfiles.js"
import * as Shared from "./usecases/Shared.js"
import * as Tokens from "./usecases/Tokens.js"
import * as Versions from "./usecases/Versions.js"

type Instance = InstanceModule.Instance
type Span = SpanModule.Span

const fromEither = <A, E>(either: Either.Either<A, E>): Effect.Effect<A, E> =>
  Either.isRight(either) ? Effect.succeed(either.right) : Effect.fail(either.left)

const found = <A>(entity: string, id: string) => (option: Option.Option<A>): Effect.Effect<A, NotFound> =>
  Option.isSome(option) ? Effect.succeed(option.value) : Effect.fail(new NotFound({ entity, id }))

const conflictOn = (message: string) => (_: UniqueViolation) => new Conflict({ message })


/**
 * The most span creates one grouped commit takes: enough to turn a burst into a few statements,
 * few enough that one statement stays well under PostgreSQL's bind-parameter limit.
 */
const groupedSpans = 256

/** A span to finish, as a use case receives it. */
interface SpanFinish {
  readonly id: Ids.SpanId
  readonly input: Commands.FinishSpan
}

/**
 * Another unit of work did, before this one took the same exclusive turn, what this one was
 * about to do (open the store's first account, or the account of an operator's key).
 */
class Preempted extends Schema.TaggedError<Preempted>()("Preempted", {}) {}

/** Settings of the local ledger. */
export interface Options {
  /** How long an idempotency key's record replays (default `Idempotency.defaultTtl`, 24 hours). */
  readonly idempotencyTtl?: Duration.DurationInput | undefined
  /**
   * How long a looked-up API token is reused before the store is asked again (default
   * `TokenCache.defaultTtl`, 1 second; 0 asks every time): how soon a token changed by another
   * process is seen here.
   */
  readonly tokenCacheTtl?: Duration.DurationInput | undefined
}

/**
 * Every string an input holds, keys included, must be storable text (`Json.unstorableReason`):
 * checked once here for every use case rather than failing in a store. The field is named from
 * the input down (`payload.a.0`), without the `input.` of a use case's `{ id, input }` request.
 */
const checkStorable = (request: unknown): Effect.Effect<void, InvalidInput> => {
  const found = findUnstorable(request)
  if (found === null) return Effect.void
  return Effect.fail(InvalidInput.field(found.field.replace(/^input\./, ""), found.message))
}

/** An idempotency key: 1–64 characters of storable text. */
const checkKey = (key: string): Effect.Effect<void, InvalidInput> => {
  if (key.length === 0 || key.length > maxIdempotencyKeyLength) {
    return Effect.fail(InvalidInput.field("idempotency_key", `must be 1–${maxIdempotencyKeyLength} characters`))
  }
  const reason = unstorableReason(key)
  return reason === null ? Effect.void : Effect.fail(InvalidInput.field("idempotency_key", reason))
}

export const makeWith = (options: Options) => Effect.gen(function*() {
  const shared = yield* Shared.make({
    idempotencyTtl: options.idempotencyTtl ?? Idempotency.defaultTtl,
    tokenCacheTtl: options.tokenCacheTtl
  })
  const { chooseId, entropy, newId, now, outside, pickId, spanOwners, store, tokens } = shared
  const ttl = shared.idempotencyTtl
  const contexts = shared.runContexts

  /** The run context of an instance: its compiled schema and scoring table, prepared once. */
  const runContext = (tx: StoreTx, instance: Instance, answers: OutsideWork.Answers): Effect.Effect<SpanModule.RunContext, OutsideWork.Pending> => {
    const key = `${instance.agent_schema_version_id}:${instance.risk_profile_revision_id ?? ""}`
    const hit = contexts.get(key)
    if (hit !== undefined) return Effect.succeed(hit)
    return Effect.gen(function*() {
      const version = yield* tx.schemaVersions.get(instance.agent_schema_version_id).pipe(
        Effect.flatMap(found("agent_schema_version", instance.agent_schema_version_id)),
        Effect.orDie
      )
      const schema = SchemaVersionModule.activitySchemaOf(version)
      let scoring: SpanModule.RunContext["scoring"] = null
      if (instance.risk_profile_revision_id !== null) {
        const revision = yield* tx.riskProfiles.getRevision(instance.risk_profile_revision_id).pipe(
          Effect.flatMap(found("risk_profile_revision", instance.risk_profile_revision_id)),
          Effect.orDie
        )
        scoring = { table: Risk.scoringTable(schema, revision.rules), thresholds: revision.rules.thresholds }
      }
      const compiledSchema = yield* outside.compiled(answers, version.fingerprint, () => schema)
      return contexts.set(key, SpanModule.runContext(version.span_type_schemas, compiledSchema, scoring))
    })
  }

  const list = <F extends string, A>(
    request: Commands.ListRequest,
    fields: ReadonlyArray<F>,
    defaultSorting: string,
    fetch: (query: ListQuery<F>) => Effect.Effect<Listed<A>>
  ): Effect.Effect<Paged<A>, InvalidInput> =>
    Effect.gen(function*() {
      const page = yield* fromEither(validatePage({ offset: request.offset, page_size: request.page_size }))
      const sort = yield* fromEither(parseSorting(request.sorting ?? defaultSorting, fields))
      const listed = yield* fetch({ offset: page.offset, limit: page.page_size, sort })
      return { items: listed.items, pagination: paginate(page, listed.total, listed.items.length), sorting: sort }
    })

  /**
   * Opens an account; `first` runs in its unit of work before anything is written (a turn taken,
   * a decision made again under it), `within` once the account is written.
   */
  const open = <E = never>(
    input: { readonly name: string; readonly secret?: string | undefined },
    within: (tx: StoreTx, created: CreatedAccount) => Effect.Effect<void, Conflict> = () => Effect.void,
    first: (tx: StoreTx) => Effect.Effect<void, E> = () => Effect.void
  ) =>
    Effect.gen(function*() {
      yield* checkStorable({ name: input.name })
      const name = yield* fromEither(Account.validateAccountName(input.name))
      const at = yield* now
      const partition = Ids.newPartition(entropy)
      const accountId = Ids.mintAt(Ids.AccountId, partition, DateTime.toEpochMillis(at), entropy)
      const secret = input.secret === undefined
        ? yield* fromEither(ApiTokenModule.formatSecret(entropy.bytes(ApiTokenModule.secretBytes)))
        : yield* fromEither(ApiTokenModule.validateSecret(input.secret))
      const account = new Account.Account({ id: accountId, name, partition, inserted_at: at, updated_at: at }, true)
      const token = new ApiTokenModule.ApiToken({
        id: newId(Ids.ApiTokenId, accountId, at),
        account_id: accountId,
        token_scope: "account",
        agent_deployment_id: null,
        agent_id: null,
        environment_id: null,
        status: "active",
        secret_hash: ApiTokenModule.hashSecret(secret),
        expires_at: null,
        last_used_at: null,
        inserted_at: at,
        updated_at: at
      }, true)
      const created = CreatedAccount.make({ account, token: ApiTokenModule.viewOf(token), secret })
      yield* store.transact(accountId, (tx) =>
        Effect.zipRight(first(tx), Effect.gen(function*() {
          yield* tx.accounts.insert(account)
          for (const environment of EnvironmentModule.defaultEnvironments) {
            yield* tx.environments.insert(
              new EnvironmentModule.Environment({
                id: newId(Ids.EnvironmentId, accountId, at),
                account_id: accountId,
                name: environment.name,
                purpose: environment.purpose,
                description: null,
                inserted_at: at,
                updated_at: at
              }, true)
            )
          }
          yield* tx.tokens.insert(token)
        }).pipe(Effect.mapError(conflictOn("that secret is already in use")), Effect.zipRight(within(tx, created)))))
      return created
    })

  const createAccount = (input: { readonly name: string; readonly secret?: string | undefined }) => open(input)

  // Keyed account creations take turns in this process, so a retry racing its first attempt
  // waits for it here without holding a connection. Across processes the key's exclusive turn
  // in the store decides: an attempt that finds, under the turn, that another process opened
  // the account replays that one instead of opening a second.
  const accountCreations = yield* Effect.makeSemaphore(1)

  const openAccount = (input: { readonly name: string }, options?: MutationOptions): Effect.Effect<OpenedAccount, InvalidInput | Conflict> => {
    const key = options?.idempotencyKey
    if (key === undefined) return createAccount(input)
    const operation = "account.create"
    const principal = Idempotency.operatorPrincipal
    const asJson = Schema.parseJson(OpenedAccount)
    const attempt = Effect.gen(function*() {
      const at = DateTime.toEpochMillis(yield* now)
      const expiredBefore = Idempotency.expiredBefore(at, ttl)
      const fingerprint = fingerprintOf({ operation, request: { name: input.name } })
      const claim = { principal, key, at, expiredBefore }
      const holder = yield* store.idempotentAccount(principal, key, expiredBefore)
      if (Option.isSome(holder)) {
        const prior = yield* store.transact(holder.value, (tx) => tx.idempotency.claim(claim))
        if (Option.isSome(prior)) {
          if (prior.value.operation !== operation || prior.value.request_fingerprint !== fingerprint) {
            return yield* new Conflict({ message: `idempotency key ${key} was used for a different request` })
          }
          return yield* Schema.decode(asJson)(prior.value.response).pipe(Effect.orDie)
        }
      }
      return yield* open(
        input,
        (tx, created) =>
          Effect.gen(function*() {
            yield* tx.idempotency.claim(claim)
            const response = yield* Schema.encode(asJson)({ ...created, secret: null }).pipe(Effect.orDie)
            yield* tx.idempotency.record({ principal, key, operation, request_fingerprint: fingerprint, response, recorded_at: at })
          }),
        (tx) =>
          tx.exclusive(JSON.stringify([operation, principal, key])).pipe(
            Effect.zipRight(store.idempotentAccount(principal, key, expiredBefore)),
            Effect.flatMap((taken) => Option.isSome(taken) ? new Preempted() : Effect.void)
          )
      )
    })
    return checkKey(key).pipe(
      Effect.zipRight(checkStorable({ name: input.name })),
      Effect.zipRight(accountCreations.withPermits(1)(attempt.pipe(
        // The second attempt finds the account under the key and replays it.
        Effect.catchTag("Preempted", () => attempt),
        Effect.catchTag("Preempted", (preempted) => Effect.die(preempted))
      )))
    )
  }

  const sessions = new Lru<string, LedgerSession>(1024)

  const session = (principal: Principal): LedgerSession => {
    const caller = Session.make(shared, principal)
    const account = principal.account_id
    const transact = <A, E>(work: (tx: StoreTx) => Effect.Effect<A, E>) => store.transact(account, work)
    const read = <A, E>(work: (tx: StoreTx) => Effect.Effect<A, E>) => store.read(account, work)

    const accountScope: Effect.Effect<void, NotPermitted> = principal.token_scope === "account"
      ? Effect.void
      // Built only when refused: a session is made per HTTP request, and an error object is not free.
      : Effect.failSync(() => new NotPermitted({ message: "this action needs an account-scoped API token" }))

    /** A deployment token sees the records of its own agent only; others do not exist for it. */
    const visible = <A extends { readonly agent_id: Ids.AgentId; readonly id: string }>(entity: string) =>
    (record: A): Effect.Effect<A, NotFound> =>
      principal.agent_id === null || record.agent_id === principal.agent_id
        ? Effect.succeed(record)
        : Effect.fail(new NotFound({ entity, id: record.id }))

    /**
     * Runs a mutation once per idempotency key: a repeat with the same request replays the first
     * answer; a repeat with another request is a conflict.
     */
    const mutate = <A, I, E>(
      operation: string,
      request: unknown,
      result: Schema.Schema<A, I>,
      options: MutationOptions | undefined,
      work: (tx: StoreTx) => Effect.Effect<A, E>,
      /** What of the answer is kept for a replay (a token's secret is not). */
      kept: (answer: A) => A = (answer) => answer,
      /** Without a key, run as span ingest (`LedgerStore.append`) rather than a locking unit of work. */
      ingest = false
    ): Effect.Effect<A, E | InvalidInput | Conflict> => {
      const key = options?.idempotencyKey
      const storable = checkStorable(request)
      if (key === undefined) return Effect.zipRight(storable, ingest ? store.append(account, work) : transact(work))
      const asJson = Schema.parseJson(result)
      const reused = () => new Conflict({ message: `idempotency key ${key} was used for a different request` })
      return checkKey(key).pipe(Effect.zipRight(storable), Effect.zipRight(transact((tx) =>
        Effect.gen(function*() {
          const fingerprint = fingerprintOf({ operation, request })
          const at = DateTime.toEpochMillis(yield* now)
          // The key is this token's: another token's key of the same text is another key.
          const claim = { principal: principal.token_id, key, at, expiredBefore: Idempotency.expiredBefore(at, ttl) }
          const prior = yield* tx.idempotency.claim(claim)
          if (Option.isSome(prior)) {
            if (prior.value.operation !== operation || prior.value.request_fingerprint !== fingerprint) return yield* reused()
            const replayed = yield* Schema.decode(asJson)(prior.value.response).pipe(Effect.orDie)
            // A replay shows no more than the call would: a deployment token, its own agent only.
            if (!Idempotency.answerVisibleTo(principal.agent_id, replayed)) return yield* reused()
            return replayed
          }
          const answer = yield* work(tx)
          const response = yield* Schema.encode(asJson)(kept(answer)).pipe(Effect.orDie)
          yield* tx.idempotency.record({
            principal: principal.token_id,
            key,
            operation,
            request_fingerprint: fingerprint,
            response,
            recorded_at: at
          })
          return answer
        })
      )))
    }

    const loadEnvironment = (tx: StoreTx, id: Ids.EnvironmentId) => tx.environments.get(id).pipe(Effect.flatMap(found("environment", id)))
    const lockAgent = (tx: StoreTx, id: Ids.AgentId) => tx.agents.lock(id).pipe(Effect.flatMap(found("agent", id)))
    const loadRevision = (tx: StoreTx, id: Ids.RiskProfileRevisionId) =>
      tx.riskProfiles.getRevision(id).pipe(Effect.flatMap(found("risk_profile_revision", id)))
    const lockInstance = (tx: StoreTx, id: Ids.InstanceId) =>
      tx.instances.lock(id).pipe(Effect.flatMap(found("agent_instance", id)), Effect.flatMap(visible("agent_instance")))
    const loadInstance = (tx: StoreTx, id: Ids.InstanceId) =>
      tx.instances.get(id).pipe(Effect.flatMap(found("agent_instance", id)), Effect.flatMap(visible("agent_instance")))
    const loadSpan = (tx: StoreTx, id: Ids.SpanId) =>
      tx.spans.get(id).pipe(Effect.flatMap(found("agent_span", id)), Effect.flatMap(visible("agent_span")))

    /** A span's owner, from this process's memory when it recorded the span, else from the store. */
    const spanOwner = (tx: StoreTx, id: Ids.SpanId): Effect.Effect<SpanModule.SpanOwner, NotFound> => {
      const known = spanOwners.get(`${account}/${id}`)
      return known === undefined ? loadSpan(tx, id) : visible<SpanModule.SpanOwner>("agent_span")(known)
    }

    /** Remembers the owners of spans once their unit of work has committed. */
    const remember = (spans: ReadonlyArray<Span>): void => {
      for (const span of spans) {
        spanOwners.set(`${account}/${span.id}`, { id: span.id, agent_id: span.agent_id, agent_instance_id: span.agent_instance_id })
      }
    }

    const move = Deployments.move

    /**
     * Records spans on locked instances: one unit of work, decisions folded in order. Within a
     * batch an instance is locked once and its context prepared once, so a span whose parent
     * is in the batch costs no store call at all.
     */
    const recordAll = (tx: StoreTx, inputs: ReadonlyArray<Commands.CreateSpan>, answers: OutsideWork.Answers) =>
      Effect.gen(function*() {
        const pending: Parameters<typeof outside.offloaded>[1] = []
        const at = yield* now
        const instances = new Map<string, Instance>()
        const contextsOf = new Map<string, SpanModule.RunContext>()
        const batch = new Map<string, Span>()
        const recorded: Array<Span> = []
        for (const [index, input] of inputs.entries()) {
          if (input.agent_instance_id === null) {
            return yield* InvalidInput.field("agent_instance_id", "is required (the run was not registered)")
          }
          const instanceId = input.agent_instance_id
          let instance = instances.get(instanceId)
          if (instance === undefined) instance = yield* lockInstance(tx, instanceId)
          let context = contextsOf.get(instanceId)
          if (context === undefined) {
            context = yield* runContext(tx, instance, answers)
            contextsOf.set(instanceId, context)
          }
          let parent: SpanModule.SpanOwner | null = null
          const parentId = input.parent_span_id
          if (parentId !== undefined && parentId !== null) {
            parent = batch.get(parentId) ?? (yield* spanOwner(tx, parentId))
          }
          const id = pickId(Ids.SpanId, account, at, input.id)
          if (Either.isLeft(id)) return yield* id.left
          if (batch.has(id.right)) return yield* new Conflict({ message: `span ${id.right} appears twice in the batch` })
          const offloaded = outside.offloaded(
            answers,
            pending,
            index,
            context.types.get(input.schema_name),
            input.payload,
            input.result_payload ?? null,
            input.status
          )
          const next = SpanModule.recordSpan({ instance, input, parent, context, id: id.right, now: at, offloaded })
          if (Either.isLeft(next)) return yield* next.left
          instances.set(instanceId, next.right.instance)
          batch.set(id.right, next.right.span)
          recorded.push(next.right.span)
        }
        if (pending.length > 0) return yield* new OutsideWork.Pending({ schemas: [], checks: pending })
        yield* tx.spans.record(recorded, [...instances.values()]).pipe(Effect.mapError(conflictOn("a span with that id exists")))
        return recorded
      })

    /**
     * Finishes spans of one run under its lock: one unit of work, decisions folded in order (a
     * span finished twice in a batch is refused the second time, as it would be one by one).
     */
    const finishAll = (tx: StoreTx, finishes: ReadonlyArray<SpanFinish>, answers: OutsideWork.Answers) =>
      Effect.gen(function*() {
        const at = yield* now
        const pending: Parameters<typeof outside.offloaded>[1] = []
        const finished = new Map<string, Span>()
        const answered: Array<Span> = []
        let instance: Instance | undefined
        let context: SpanModule.RunContext | undefined
        for (const [index, { id, input }] of finishes.entries()) {
          const owner = yield* spanOwner(tx, id)
          if (instance === undefined) instance = yield* lockInstance(tx, owner.agent_instance_id)
          if (owner.agent_instance_id !== instance.id) return yield* Effect.dieMessage("a batch of finishes spans two runs")
          context ??= yield* runContext(tx, instance, answers)
          // Read under the run's lock: a concurrent finish may have landed first.
          const current = finished.get(id) ?? (yield* loadSpan(tx, id))
          const resultPayload = input.result_payload ?? current.result_payload
          const offloaded = outside.offloaded(answers, pending, index, context.types.get(current.schema_name), null, resultPayload, input.status, false)
          const next = yield* fromEither(SpanModule.finishSpan({ span: current, instance, input, context, now: at, offloaded }))
          instance = next.instance
          finished.set(id, next.span)
          answered.push(next.span)
        }
        if (pending.length > 0) return yield* new OutsideWork.Pending({ schemas: [], checks: pending })
        yield* tx.spans.update([...finished.values()])
        if (instance !== undefined) yield* tx.instances.update(instance)
        return answered
      })

    /** Span finishes without an idempotency key, of spans this process recorded, grouped per run. */
    const spanFinishes = GroupCommit.make({
      maxBatch: groupedSpans,
      together: (finishes: ReadonlyArray<SpanFinish>) => outside.settle((answers) => transact((tx) => finishAll(tx, finishes, answers))),
      alone: (finish: SpanFinish) => outside.settle((answers) => transact((tx) => finishAll(tx, [finish], answers))).pipe(Effect.flatMap(onlySpan))
    })

    const onlySpan = (spans: ReadonlyArray<Span>) =>
      spans[0] === undefined ? Effect.dieMessage("a recorded batch of one lost its span") : Effect.succeed(spans[0])

    /**
     * Span creates without an idempotency key, grouped per run (`GroupCommit`): those that arrive
     * while the run's last write is under way are written together, one statement for all.
     */
    const spanCommits = GroupCommit.make({
      maxBatch: groupedSpans,
      together: (inputs: ReadonlyArray<Commands.CreateSpan>) =>
        outside.settle((answers) => store.append(account, (tx) => recordAll(tx, inputs, answers))).pipe(Effect.tap(remember)),
      alone: (input: Commands.CreateSpan) =>
        outside.settle((answers) => store.append(account, (tx) => recordAll(tx, [input], answers))).pipe(Effect.tap(remember), Effect.flatMap(onlySpan))
    })

    const runTransition = (
      operation: string,
      decide: (instance: Instance, at: DateTime.Utc) => Either.Either<Instance, InvalidAction | InvalidInput>
    ) =>
    (id: Ids.InstanceId, input: unknown, options?: MutationOptions) =>
      mutate(operation, { id, input }, InstanceModule.Instance, options, (tx) =>
        Effect.gen(function*() {
          const instance = yield* lockInstance(tx, id)
          const next = yield* fromEither(decide(instance, yield* now))
          if (next !== instance) yield* tx.instances.update(next)
          return next
        }))

    return {
      principal,

      ...Environments.make(caller),

      ...Tokens.make(caller),

      ...Agents.make(caller),

      registerRun: (input, options) =>
        outside.settle((answers) => mutate("agent_instance.register", input, InstanceModule.Instance, options, (tx) =>
          Effect.gen(function*() {
            const at = yield* now
            let agentId: Ids.AgentId
            let environmentId: Ids.EnvironmentId
            if (principal.token_scope === "agent_deployment" && principal.agent_id !== null && principal.environment_id !== null) {
              if (input.agent_id !== undefined && input.agent_id !== null && input.agent_id !== principal.agent_id) {
                return yield* new NotPermitted({ message: "this deployment token reports for another agent" })
              }
              if (input.environment_id !== undefined && input.environment_id !== null && input.environment_id !== principal.environment_id) {
                return yield* new NotPermitted({ message: "this deployment token reports for another environment" })
              }
              agentId = principal.agent_id
              environmentId = principal.environment_id
            } else {
              if (input.agent_id === undefined || input.agent_id === null) {
                return yield* InvalidInput.field("agent_id", "is required with an account token (or use an agent_deployment token)")
              }
              if (input.environment_id === undefined || input.environment_id === null) {
                return yield* InvalidInput.field("environment_id", "is required with an account token (or use an agent_deployment token)")
              }
              agentId = input.agent_id
              environmentId = input.environment_id
            }
            const schema = yield* fromEither(ActivitySchema.normalize(input.agent_schema_version ?? {}))
            const instanceId = yield* chooseId(Ids.InstanceId, account, at, input.id)
            // The agent's lock serializes concurrent first runs: one schema version, one version.
            const agent = yield* lockAgent(tx, agentId)
            yield* loadEnvironment(tx, environmentId)
            const active = yield* fromEither(AgentModule.recordRun(agent, at))

            const schemaFingerprint = ActivitySchema.schemaFingerprint(schema)
            const existingSchema = yield* tx.schemaVersions.byFingerprint(agentId, schemaFingerprint)
            const schemaVersion = Option.isSome(existingSchema) ? existingSchema.value : yield* Effect.gen(function*() {
              const created = new SchemaVersionModule.SchemaVersion({
                id: newId(Ids.SchemaVersionId, account, at),
                account_id: account,
                agent_id: agentId,
                sequence: (yield* tx.schemaVersions.lastSequence(agentId)) + 1,
                external_identifier: schema.external_identifier,
                span_type_schemas: schema.span_type_schemas,
                definition_checks: (yield* outside.compiled(answers, schemaFingerprint, () => schema)).checks,
                fingerprint: schemaFingerprint,
                inserted_at: at,
                updated_at: at
              }, true)
              yield* tx.schemaVersions.insert(created).pipe(Effect.mapError(conflictOn("a concurrent run created that schema version; retry")))
              return created
            })

            const metadata = input.agent_version ?? {}
            const runtime = AgentVersionModule.normalizeRuntime(metadata.runtime_environment)
            const versionFingerprint = AgentVersionModule.versionFingerprint({
              external_identifier: metadata.external_identifier ?? null,
              schema_fingerprint: schemaFingerprint,
              runtime_environment: runtime
            })
            const existingVersion = yield* tx.versions.byFingerprint(agentId, versionFingerprint)
            const version = Option.isSome(existingVersion) ? existingVersion.value : yield* Effect.gen(function*() {
              const created = new AgentVersionModule.AgentVersion({
                id: newId(Ids.AgentVersionId, account, at),
                account_id: account,
                agent_id: agentId,
                sequence: (yield* tx.versions.lastSequence(agentId)) + 1,
                external_identifier: metadata.external_identifier ?? null,
                name: metadata.name ?? null,
                description: metadata.description ?? null,
                agent_schema_version_id: schemaVersion.id,
                runtime_environment: runtime,
                fingerprint: versionFingerprint,
                inserted_at: at,
                updated_at: at
              }, true)
              yield* tx.versions.insert(created).pipe(Effect.mapError(conflictOn("a concurrent run created that version; retry")))
              return created
            })

            let deployment = Option.getOrNull(yield* tx.deployments.for(agentId, environmentId))
            if (input.update_current_version) {
              if (deployment === null) {
                const created = new DeploymentModule.Deployment({
                  id: newId(Ids.DeploymentId, account, at),
                  account_id: account,
                  agent_id: agentId,
                  environment_id: environmentId,
                  current_version_id: null,
                  inserted_at: at,
                  updated_at: at
                }, true)
                yield* tx.deployments.insert(created).pipe(Effect.mapError(conflictOn("a concurrent run created that deployment; retry")))
                deployment = created
              }
              deployment = yield* move(tx, yield* fromEither(DeploymentModule.movePointer(deployment, version, "run", at)))
            }

            let revision: Ids.RiskProfileRevisionId | null = null
            if (agent.risk_profile_id !== null) {
              const profile = yield* tx.riskProfiles.get(agent.risk_profile_id)
              revision = Option.getOrNull(Option.flatMap(profile, RiskProfileModule.activeRevision))
            }

            const instance: Instance = {
              id: instanceId,
              account_id: account,
              agent_id: agentId,
              agent_version_id: version.id,
              agent_schema_version_id: schemaVersion.id,
              environment_id: environmentId,
              agent_deployment_id: deployment?.id ?? null,
              status: "pending",
              purpose: input.purpose,
              started_at: null,
              finished_at: null,
              termination_reason: null,
              span_counts: noCounts,
              conformance_counts: { conforms: 0, flagged: 0 },
              risk_profile_revision_id: revision,
              risk: revision === null ? null : Risk.initialRisk,
              inserted_at: at,
              updated_at: at
            }
            yield* tx.instances.insert(instance).pipe(Effect.mapError(conflictOn(`an instance with id ${instanceId} exists`)))
            yield* tx.agents.update(active)
            return instance
          }))),

      startRun: (id, input, options) =>
        runTransition("agent_instance.start", (instance, at) => InstanceModule.start(instance, input.timestamp ?? at, at))(id, input, options),

      finishRun: (id, input, options) =>
        runTransition("agent_instance.finish", (instance, at) => InstanceModule.finish(instance, input.status, input.timestamp ?? at, at))(
          id,
          input,
          options
        ),

      terminateRun: (id, input, options) =>
        accountScope.pipe(Effect.zipRight(mutate("agent_instance.terminate", { id, input }, InstanceModule.Instance, options, (tx) =>
          Effect.gen(function*() {
            const at = yield* now
            const instance = yield* lockInstance(tx, id)
            const terminated = yield* fromEither(InstanceModule.terminate(instance, input.reason, at))
            const closed = SpanModule.terminateOpenSpans(terminated, yield* tx.spans.open(id), at)
            yield* tx.spans.update(closed.spans)
            yield* tx.instances.update(closed.instance)
            return closed.instance
          })))),

      recordSpan: (input, options) =>
        options?.idempotencyKey === undefined && input.agent_instance_id !== null
          ? Effect.zipRight(checkStorable(input), spanCommits.submit(input.agent_instance_id, input))
          : outside.settle((answers) =>
            mutate("agent_span.create", input, SpanModule.Span, options, (tx) => recordAll(tx, [input], answers).pipe(Effect.flatMap(onlySpan)), undefined, true)
          ).pipe(Effect.tap((span) => remember([span]))),

      recordSpans: (inputs, options) =>
        fromEither(validateSpanBatch(inputs)).pipe(Effect.zipRight(outside.settle((answers) =>
          mutate("agent_span.create_many", inputs, RecordedSpans, options, (tx) => recordAll(tx, inputs, answers), undefined, true)
        ).pipe(Effect.tap(remember)))),

      finishSpan: (id, input, options) => {
        const known = spanOwners.get(`${account}/${id}`)
        return options?.idempotencyKey === undefined && known !== undefined
          ? Effect.zipRight(checkStorable({ id, input }), spanFinishes.submit(known.agent_instance_id, { id, input }))
          : outside.settle((answers) =>
            mutate("agent_span.finish", { id, input }, SpanModule.Span, options, (tx) => finishAll(tx, [{ id, input }], answers).pipe(Effect.flatMap(onlySpan)))
          )
      },

      getInstance: (id) => read((tx) => loadInstance(tx, id)),

      listInstances: (request) =>
        accountScope.pipe(Effect.zipRight(read((tx) =>
          list(request, sortFields.agent_instance, "-id", (query) =>
            tx.instances.list({
              agent_id: request.agent_id,
              agent_version_id: request.agent_version_id,
              environment_id: request.environment_id,
              status: request.status
            }, query))
        ))),

      getTimeline: (id) =>
        read((tx) =>
          // The two reads at once: on a database, one round trip instead of two.
          Effect.map(
            Effect.all([loadInstance(tx, id), tx.spans.ofInstance(id)], { concurrency: 2 }),
            ([instance, spans]) => ({ instance, spans: Timeline.flatten(Timeline.timeline(spans)) })
          )
        ),

      getSpan: (id) => read((tx) => loadSpan(tx, id)),

      listSpans: (request) =>
        Effect.gen(function*() {
          // A deployment token lists the spans of one of its runs, never the account's.
          if (request.agent_instance_id === undefined) yield* accountScope
          return yield* read((tx) =>
            Effect.gen(function*() {
              if (request.agent_instance_id !== undefined) yield* loadInstance(tx, request.agent_instance_id)
              return yield* list(request, sortFields.agent_span, "started_at", (query) =>
                tx.spans.list({
                  agent_instance_id: request.agent_instance_id,
                  agent_id: request.agent_id,
                  start_time: request.start_time === undefined ? undefined : DateTime.toEpochMillis(request.start_time),
                  end_time: request.end_time === undefined ? undefined : DateTime.toEpochMillis(request.end_time)
                }, query))
            })
          )
        }),

      listSpanOutlines: (id, request) =>
        read((tx) =>
          Effect.zipRight(
            loadInstance(tx, id),
            list(request, outlineSortFields, defaultOutlineSorting, (query) => tx.spans.outlines(id, query))
          )
        ),

      getRiskReport: (id) =>
        read((tx) =>
          Effect.gen(function*() {
            const instance = yield* loadInstance(tx, id)
            if (instance.risk === null || instance.risk_profile_revision_id === null) return null
            const revision = yield* loadRevision(tx, instance.risk_profile_revision_id).pipe(Effect.orDie)
            // Counts and points by (type, status), summed by the store: no payload is read.
            const tallies = yield* tx.spans.tallies(id)
            return {
              total: instance.risk.total,
              level: instance.risk.level,
              peak_level: instance.risk.peak_level,
              thresholds: revision.rules.thresholds,
              profile_revision_id: revision.id,
              breakdown: Risk.breakdownOf(tallies)
            }
          })
        ),

      ...Versions.make(caller),

      ...Deployments.make(caller),

      ...RiskProfiles.make(caller)
    }
  }

  return Ledger.of({
    createAccount,
    openAccount,
    bootstrap: (input) =>
      Effect.flatMap(store.isEmpty, (empty) =>
        empty
          // Processes starting together on an empty store take turns; a later one finds the
          // account under its turn and opens none.
          ? open(input, undefined, (tx) =>
            tx.exclusive(JSON.stringify(["bootstrap"])).pipe(
              Effect.zipRight(store.isEmpty),
              Effect.flatMap((still) => still ? Effect.void : new Preempted())
            )).pipe(Effect.catchTag("Preempted", () => Effect.succeed(null)))
          : Effect.succeed(null)),
    authenticate: (secret) =>
      Effect.gen(function*() {
        const at = yield* now
        const hash = ApiTokenModule.hashSecret(secret)
        const millis = DateTime.toEpochMillis(at)
        const cached = tokens.get(hash, millis)
        const found = cached !== undefined ? Option.some(cached) : yield* store.tokenBySecretHash(hash)
        if (cached === undefined && Option.isSome(found)) tokens.set(hash, found.value, millis)
        const token = yield* fromEither(ApiTokenModule.authenticate(found, at))
        // A session is a function of fields a token never changes, so one per token is kept:
        // the token's status is still checked above on every call (a server authenticates each
        // request), and building the session's fifty use cases is not repeated.
        return sessions.getOrCompute(token.id, () =>
          session({
            account_id: token.account_id,
            token_id: token.id,
            token_scope: token.token_scope,
            agent_id: token.agent_id,
            environment_id: token.environment_id,
            agent_deployment_id: token.agent_deployment_id
          }))
      })
  })
})

export const make = makeWith({})

/** `Ledger` on a `LedgerStore`, minting ids from `IdEntropy`. */
export const layer: Layer.Layer<Ledger, never, LedgerStore | Ids.IdEntropy> = Layer.effect(Ledger, make)

/** `layer` with settings (the idempotency records' lifetime). */
export const layerWith = (options: Options): Layer.Layer<Ledger, never, LedgerStore | Ids.IdEntropy> => Layer.effect(Ledger, makeWith(options))
