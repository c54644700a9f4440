/**
 * The console's entry: renders the app into the page the server serves. Everything it shows, it
 * reads from the HTTP API with the token the reader signs in with.
 */
import { render } from "preact"
import { App } from "./App.js"

const root = document.getElementById("console")
if (root !== null) {
  root.textContent = ""
  render(<App />, root)
}
