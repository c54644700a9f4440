/**
 * Erasing an agent's runs of a window (`POST /agent/{id}/erase`): the window (from, before; either
 * may be left open) and the mode (delete the runs with their spans, or redact their payloads),
 * then a confirmation that says what will happen — how many of the agent's runs started in the
 * window as the list counts them now — and asks for the agent's name; then what was erased.
 */
import { useState } from "preact/hooks"
import type { Agent } from "../../api/Agents.js"
import { type EraseMode, type Erased, erased as readErased, erasedPlaceholder } from "../../api/Erasure.js"
import { details, page } from "../../api/Page.js"
import { instance } from "../../api/Runs.js"
import type { Session } from "../../session/Session.js"
import { useAction } from "../../ui/Action.js"
import { Confirm } from "../../ui/Confirm.js"
import { Failed, Loading } from "../../ui/Feedback.js"
import { count, dateTime } from "../../ui/Format.js"
import { useAnswer } from "../../ui/Load.js"
import { fromLocalInput, toLocalInput } from "../../ui/LocalTime.js"

interface Range {
  readonly started_after: string | undefined
  readonly started_before: string | undefined
}

const runs = (n: number): string => `${count(n)} ${n === 1 ? "run" : "runs"}`
const spans = (n: number): string => `${count(n)} ${n === 1 ? "span" : "spans"}`

/** The window in words. */
const windowWords = ({ started_after, started_before }: Range): string =>
  started_after === undefined && started_before === undefined
    ? "at any time"
    : started_after === undefined
    ? `before ${dateTime(started_before)}`
    : started_before === undefined
    ? `from ${dateTime(started_after)} on`
    : `from ${dateTime(started_after)} to before ${dateTime(started_before)}`

/** What an erasure did, in words. */
export const erasedWords = (result: Erased): string => {
  const done = result.mode === "delete"
    ? `Deleted ${runs(result.runs)} (${spans(result.spans)})`
    : `Redacted the payloads of ${runs(result.runs)} (${spans(result.spans)})`
  const left = result.unfinished === 0 ? "" : `; ${runs(result.unfinished)} of the window had not finished and ${result.unfinished === 1 ? "was" : "were"} left as recorded`
  return `${done}, in ${count(result.batches)} ${result.batches === 1 ? "unit" : "units"} of work${left}.`
}

/** How many of the agent's runs started in the window now (the run list's own count). */
const Matching = ({ session, agentId, range }: { readonly session: Session; readonly agentId: string; readonly range: Range }) => {
  const loaded = useAnswer(
    () => session.client.get("/agent_instance", page(instance), { agent_id: agentId, ...range, "pagination[page_size]": 1 }),
    [session, agentId, range.started_after, range.started_before]
  )
  if (loaded.state._tag === "Loading") return <Loading what="the runs of this window" />
  if (loaded.state._tag === "Failed") return <Failed failure={loaded.state.failure} doing="count the runs of this window" />
  const n = loaded.state.value.pagination.item_count
  return <p><strong>{runs(n)}</strong> of this agent started {windowWords(range)} (registered, for a run never started), as of now.</p>
}

export const EraseRuns = ({ session, agent, onDone }: { readonly session: Session; readonly agent: Agent; readonly onDone: (said: string) => void }) => {
  const [open, setOpen] = useState(false)
  const [range, setRange] = useState<Range>({ started_after: undefined, started_before: undefined })
  const [mode, setMode] = useState<EraseMode>("delete")
  const action = useAction()
  const close = () => setOpen(false)
  const erase = () =>
    void action.run(() => session.client.post(`/agent/${encodeURIComponent(agent.id)}/erase`, { ...range, mode }, details(readErased, erasedPlaceholder)), (result) => {
      close()
      onDone(erasedWords(result))
    })
  return (
    <>
      <button type="button" class="danger" onClick={() => setOpen(true)}>Erase runs…</button>
      <Confirm
        open={open}
        title={`Erase runs of ${agent.name}`}
        phrase={agent.name}
        what="the agent's name"
        confirm={mode === "delete" ? "Delete these runs" : "Redact these runs"}
        busy="Erasing…"
        action={action}
        doing="erase the runs"
        onClose={close}
        onConfirm={erase}
      >
        <fieldset class="inline-form">
          <legend>Runs that started</legend>
          <div class="field">
            <label for="erase-after">From (empty: no bound)</label>
            <input
              id="erase-after"
              type="datetime-local"
              value={toLocalInput(range.started_after)}
              onInput={(event) => setRange({ ...range, started_after: fromLocalInput(event.currentTarget.value) })}
            />
          </div>
          <div class="field">
            <label for="erase-before">Before (empty: no bound)</label>
            <input
              id="erase-before"
              type="datetime-local"
              value={toLocalInput(range.started_before)}
              onInput={(event) => setRange({ ...range, started_before: fromLocalInput(event.currentTarget.value) })}
            />
          </div>
        </fieldset>
        <fieldset>
          <legend>What to do with them</legend>
          <label class="choice">
            <input type="radio" name="erase-mode" value="delete" checked={mode === "delete"} onChange={() => setMode("delete")} /> Delete the runs with their
            spans
          </label>
          <label class="choice">
            <input type="radio" name="erase-mode" value="redact" checked={mode === "redact"} onChange={() => setMode("redact")} /> Redact their payloads
            (finished runs only)
          </label>
        </fieldset>
        <Matching session={session} agentId={agent.id} range={range} />
        {mode === "delete"
          ? (
            <p>
              Every run of {agent.name} that started {windowWords(range)}, whatever its status, is deleted with its spans — inputs, outputs,
              conformance and risk points — for good: no page or API route holds them afterwards. The audit log records each unit of work
              of the erasure (at most 100 runs each) with the ids of its runs. This cannot be undone.
            </p>
          )
          : (
            <p>
              Every finished run of {agent.name} that started {windowWords(range)} has its spans' inputs and outputs replaced by{" "}
              <code>{`{"redacted": true}`}</code>, for good; runs still recording are left as they are. The runs, their spans' statuses, times,
              conformance and risk stay. The audit log records each unit of work. This cannot be undone.
            </p>
          )}
      </Confirm>
    </>
  )
}
