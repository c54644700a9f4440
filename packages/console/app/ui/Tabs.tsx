/**
 * Tabs as the ARIA pattern has them: a tablist whose tabs move with the arrow keys, Home and End,
 * and a tabpanel labelled by its tab. The selected tab is in the URL (`tab=`), so it is shared
 * with the address; choosing one replaces the history entry rather than adding one.
 */
import type { ComponentChildren } from "preact"
import { useRef } from "preact/hooks"

export interface Tab<Id extends string> {
  readonly id: Id
  readonly label: string
}

export const Tabs = <Id extends string>(props: {
  readonly label: string
  readonly tabs: ReadonlyArray<Tab<Id>>
  readonly selected: Id
  readonly onSelect: (id: Id) => void
  readonly children: ComponentChildren
}) => {
  const list = useRef<HTMLDivElement>(null)
  const move = (event: KeyboardEvent, index: number) => {
    const last = props.tabs.length - 1
    const next = event.key === "ArrowRight" ? (index === last ? 0 : index + 1)
      : event.key === "ArrowLeft" ? (index === 0 ? last : index - 1)
      : event.key === "Home" ? 0
      : event.key === "End" ? last
      : undefined
    const tab = next === undefined ? undefined : props.tabs[next]
    if (tab === undefined) return
    event.preventDefault()
    props.onSelect(tab.id)
    list.current?.querySelector<HTMLElement>(`#tab-${tab.id}`)?.focus()
  }
  return (
    <div class="tabs">
      <div role="tablist" aria-label={props.label} ref={list}>
        {props.tabs.map((tab, index) => (
          <button
            key={tab.id}
            type="button"
            role="tab"
            id={`tab-${tab.id}`}
            aria-selected={tab.id === props.selected}
            aria-controls={`panel-${tab.id}`}
            tabIndex={tab.id === props.selected ? 0 : -1}
            onClick={() => props.onSelect(tab.id)}
            onKeyDown={(event) => move(event, index)}
          >
            {tab.label}
          </button>
        ))}
      </div>
      <div role="tabpanel" id={`panel-${props.selected}`} aria-labelledby={`tab-${props.selected}`} tabIndex={0} class="tabpanel">
        {props.children}
      </div>
    </div>
  )
}
