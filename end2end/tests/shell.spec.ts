// The foundation: the release binary serves a server-rendered page that hydrates, its assets
// compressed and cacheable, a real 404, and its health.
import { test, expect } from "./fixtures";

test("the dashboard is rendered on the server and hydrates", async ({ page, consoleProblems }) => {
  await page.goto("/");
  await expect(page.getByRole("link", { name: "Reposync" })).toBeVisible();
  await expect(page.getByRole("heading", { name: "Repositories", exact: true })).toBeVisible();
  await expect(page.getByRole("link", { name: "Sign in with GitHub" })).toBeVisible();
  // Only the WASM sets this, in an effect that never runs on the server.
  await expect(page.locator("[data-hydrated]")).toHaveAttribute("data-hydrated", "true");
  // Each page's title comes with the document (the server writes it; nothing rewrites it).
  await expect(page).toHaveTitle("Repositories · Reposync");
  expect(consoleProblems).toEqual([]);
});

test("unknown paths get the 404 page with a 404 status", async ({ page, consoleProblems }) => {
  const response = await page.goto("/no/such/page");
  expect(response?.status()).toBe(404);
  await expect(page.getByRole("heading", { name: "Page not found" })).toBeVisible();
  await expect(page).toHaveTitle("Not found · Reposync");
  await page.getByRole("link", { name: "Back to the dashboard" }).click();
  await expect(page.getByRole("heading", { name: "Repositories", exact: true })).toBeVisible();
  expect(consoleProblems).toEqual([]);
});

test("the WASM bundle is embedded, compressed and cached as immutable", async ({ page, request }) => {
  const wasmUrls: string[] = [];
  page.on("request", (r) => {
    if (r.url().endsWith(".wasm")) wasmUrls.push(r.url());
  });
  await page.goto("/");
  await expect(page.locator("[data-hydrated]")).toHaveAttribute("data-hydrated", "true");
  expect(wasmUrls.length).toBeGreaterThan(0);
  const wasm = new URL(wasmUrls[0]).pathname;
  expect(wasm).toMatch(/^\/pkg\/reposync\.[A-Za-z0-9_-]+\.wasm$/);

  for (const encoding of ["br", "gzip"]) {
    const response = await request.get(wasm, { headers: { "accept-encoding": encoding } });
    expect(response.status()).toBe(200);
    expect(response.headers()["content-encoding"]).toBe(encoding);
    expect(response.headers()["cache-control"]).toContain("immutable");
    expect(response.headers()["content-type"]).toBe("application/wasm");
  }
  const stylesheet = await page.locator('link[rel="stylesheet"]').getAttribute("href");
  expect(stylesheet).toMatch(/^\/pkg\/reposync\.[A-Za-z0-9_-]+\.css$/);
  const css = await request.get(stylesheet!, { headers: { "accept-encoding": "br" } });
  expect(css.status()).toBe(200);
  expect(css.headers()["content-type"]).toContain("text/css");
  expect(css.headers()["content-encoding"]).toBe("br");

  const favicon = await request.get("/favicon.svg");
  expect(favicon.status()).toBe(200);
  expect(favicon.headers()["cache-control"]).not.toContain("immutable");
});

test("healthz reports the version and a reachable database", async ({ request }) => {
  const response = await request.get("/healthz");
  expect(response.status()).toBe(200);
  const body = await response.json();
  expect(body).toMatchObject({ status: "ok", database: { kind: "sqlite", reachable: true } });
  expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
});
