/**
 * The two buttons that end every filter form: apply what the reader chose, or clear every filter
 * (the form's draft and the applied filters at once).
 */
export const FilterButtons = ({ onClear }: { readonly onClear: () => void }) => (
  <div class="field buttons">
    <button type="submit">Apply filters</button>
    <button type="button" onClick={onClear}>Clear</button>
  </div>
)
