/**
 * The console as the server serves it: the page at `/` and at every page path, hashed assets
 * cached for good, the Content-Security-Policy and the other security headers on each, and the
 * API's routes as they were.
 */
import { expect, it } from "vitest"
import type { World } from "../support/console/world.js"

export const servingTheConsole = (world: () => World): void => {
  it("serves the page at / and at its page paths, with a strict policy, and the API as before", async () => {
    const { url } = world()
    const page = await fetch(`${url}/`)
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8")
    expect(page.headers.get("cache-control")).toBe("no-cache")
    const policy = page.headers.get("content-security-policy") ?? ""
    for (const directive of ["default-src 'none'", "script-src 'self'", "style-src 'self'", "connect-src 'self'", "frame-ancestors 'none'", "require-trusted-types-for 'script'"]) {
      expect(policy).toContain(directive)
    }
    expect(page.headers.get("x-content-type-options")).toBe("nosniff")
    expect(page.headers.get("referrer-policy")).toBe("no-referrer")
    const html = await page.text()
    // Nothing inline and nothing from elsewhere: every script and stylesheet is an asset of this server.
    expect(html).not.toMatch(/<script>|<style>|https?:\/\//)
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((match) => match[1] ?? "")
    expect(assets).toHaveLength(2)

    const etag = page.headers.get("etag") ?? ""
    expect((await fetch(`${url}/`, { headers: { "if-none-match": etag } })).status).toBe(304)
    for (const path of ["/runs", "/runs/abc?tab=risk", "/agents/x", "/profiles", "/environments", "/tokens", "/tokens/x", "/audit?entity=agent", "/retention", "/overview"]) {
      const answer = await fetch(`${url}${path}`)
      expect(answer.status, path).toBe(200)
      expect(await answer.text(), path).toBe(html)
    }
    for (const asset of assets) {
      const answer = await fetch(`${url}${asset}`)
      expect(answer.status, asset).toBe(200)
      expect(answer.headers.get("cache-control"), asset).toBe("public, max-age=31536000, immutable")
      expect(answer.headers.get("content-type"), asset).toBe(asset.endsWith(".js") ? "text/javascript; charset=utf-8" : "text/css; charset=utf-8")
      expect(answer.headers.get("content-security-policy"), asset).toBe(policy)
    }
    expect((await fetch(`${url}/assets/missing.js`)).status).toBe(404)

    // The API keeps its answers: a token is still required, unknown routes are still the envelope's 404.
    const refused = await fetch(`${url}/api/v1/agent`)
    expect(refused.status).toBe(401)
    expect(refused.headers.get("cache-control")).toBe("no-store")
    const unknown = await fetch(`${url}/api/v1/nothing`, { headers: { authorization: `Bearer ${world().token}` } })
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ status: "error", code: "not_found" })
    expect((await fetch(`${url}/nothing-here`)).status).toBe(404)
  })
}
