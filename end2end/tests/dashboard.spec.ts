// The dashboard against the release binary in demo mode: sign in through the (simulated) forge,
// the list, the filters, the Synchronize button, live updates, failures, and the page without
// JavaScript or a mouse.
import { Page } from "@playwright/test";
import { test, expect } from "./fixtures";
import { createRepo, forgeRepos, setFaults } from "./sim";

async function signIn(page: Page) {
  await page.goto("/");
  await page.getByRole("link", { name: "Sign in with GitHub" }).click();
  await expect(page.getByTestId("viewer")).toHaveText("octocat");
  await expect(page.locator("[data-hydrated]")).toHaveAttribute("data-hydrated", "true");
}

const rows = (page: Page) => page.getByTestId("repo-row");
const names = async (page: Page) => (await page.locator(".repo-name").allTextContents()).sort();
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}`;

test.afterEach(async ({ request }) => {
  await setFaults(request, {});
});

test("signing in shows the forge's repositories", async ({ page, request, consoleProblems }) => {
  await signIn(page);
  const forge = await forgeRepos(request);
  const listed = forge.filter((r) => !r.archived).map((r) => r.full_name).sort();
  expect(listed.length).toBeGreaterThan(20);
  // The first sign-in syncs in the background; the page fills in by itself.
  await expect(page.getByTestId("repo-count")).toHaveText(
    `1–${listed.length} of ${listed.length} repositories (of ${forge.length} in all)`,
  );
  expect(await names(page)).toEqual(listed);
  await expect(page.getByTestId("sync-age")).toHaveText(/Synced just now/);
  await expect(page.getByTestId("sync-age")).toHaveAttribute("title", /Last synced \d{4}-\d\d-\d\d \d\d:\d\d UTC/);
  // Badges and permissions.
  const api = rows(page).filter({ hasText: "acme/api" });
  await expect(api.getByTestId("access")).toHaveText("admin");
  const web = rows(page).filter({ hasText: "acme/web" });
  await expect(web.getByTestId("access")).toHaveText("push");
  await expect(web.locator(".badge")).toHaveText("private");
  await expect(rows(page).filter({ hasText: "acme/infra" }).getByTestId("access")).toHaveText("pull");
  await expect(rows(page).filter({ hasText: "open-tools/cli" }).locator(".badge")).toHaveText("public");
  expect(consoleProblems).toEqual([]);
});

test("screenshots for the README", async ({ page, browser }) => {
  await signIn(page);
  await expect(rows(page).first()).toBeVisible();
  await page.setViewportSize({ width: 1100, height: 900 });
  await page.screenshot({ path: "../docs/screenshots/dashboard-light.png" });
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "Recent syncs" })).toBeVisible();
  await page.screenshot({ path: "../docs/screenshots/account.png" });

  const dark = await browser.newContext({ colorScheme: "dark", viewport: { width: 1100, height: 900 } });
  const darkPage = await dark.newPage();
  await signIn(darkPage);
  await expect(rows(darkPage).first()).toBeVisible();
  await darkPage.screenshot({ path: "../docs/screenshots/dashboard-dark.png" });
  const narrow = await browser.newContext({ viewport: { width: 360, height: 740 } });
  const phone = await narrow.newPage();
  await signIn(phone);
  await expect(rows(phone).first()).toBeVisible();
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow, "nothing wider than a 360 px screen").toBeLessThanOrEqual(0);
  await phone.screenshot({ path: "../docs/screenshots/dashboard-360.png" });
  await dark.close();
  await narrow.close();
});

test("the list filters by text, namespace and archived state", async ({ page, consoleProblems }) => {
  await signIn(page);
  await expect(rows(page).first()).toBeVisible();
  await page.getByLabel("Filter").fill("sdk");
  await expect(rows(page)).toHaveCount(3);
  expect(await names(page)).toEqual(["partners/sdk-go", "partners/sdk-python", "partners/sdk-rust"]);
  await expect(page).toHaveURL(/\?q=sdk/);
  // The address is the filter: reloading renders the same list on the server, and hydrates.
  await page.reload();
  await expect(page.getByLabel("Filter")).toHaveValue("sdk");
  await expect(rows(page)).toHaveCount(3);
  await expect(page.locator("[data-hydrated]")).toHaveAttribute("data-hydrated", "true");
  await page.getByLabel("Filter").fill("");
  await page.getByLabel("Namespace").selectOption("acme-labs");
  await expect(rows(page)).toHaveCount(5);
  for (const name of await names(page)) expect(name).toMatch(/^acme-labs\//);
  await page.getByLabel("Namespace").selectOption("");
  await expect(page.locator(".repo-name", { hasText: "legacy-monolith" })).toHaveCount(0);
  await page.getByLabel("Show archived").check();
  const legacy = rows(page).filter({ hasText: "acme/legacy-monolith" });
  await expect(legacy).toBeVisible();
  await expect(legacy.locator(".badge.archived")).toHaveText("archived");
  await page.getByLabel("Filter").fill("no-such-repository");
  await expect(page.getByTestId("no-match")).toBeVisible();
  expect(consoleProblems).toEqual([]);
});

test("a repository created at the forge appears after Synchronize", async ({ page, request, consoleProblems }) => {
  // Without the forge's webhook, only a sync can bring the new repository in.
  await setFaults(request, { hold_webhooks: true });
  await signIn(page);
  await expect(rows(page).first()).toBeVisible();
  const name = unique("new");
  await createRepo(request, "acme", name);
  await expect(page.locator(".repo-name", { hasText: name })).toHaveCount(0);
  // A slow forge, so that the sync can be seen running.
  await setFaults(request, { latency_ms: 700, hold_webhooks: true });
  const button = page.getByTestId("synchronize");
  await button.click();
  await expect(button).toBeDisabled();
  await expect(button).toHaveText("Syncing…");
  await expect(page.getByTestId("sync-status")).toHaveText(/Syncing…/);
  await button.click({ force: true }).catch(() => {});
  await expect(page.getByTestId("sync-status")).toHaveText("Synchronized: +1 new.");
  await expect(button).toBeEnabled();
  await expect(page.locator(".repo-name", { hasText: name })).toBeVisible();
  await expect(page.getByTestId("sync-age")).toHaveText(/Synced just now/);
  expect(consoleProblems).toEqual([]);
});

test("a sync started through the API updates an open dashboard by itself", async ({ page, request, consoleProblems }) => {
  // Without the forge's webhook, only a sync can bring the new repository in.
  await setFaults(request, { hold_webhooks: true });
  await signIn(page);
  await expect(rows(page).first()).toBeVisible();
  // A token, as the account page makes one (same-origin, with the session cookie).
  const origin = new URL(page.url()).origin;
  const created = await page.request.post("/api/user/token", { headers: { origin } });
  expect(created.ok()).toBeTruthy();
  const token = (await created.json()).token;

  const name = unique("from-api");
  await createRepo(request, "open-tools", name);
  await setFaults(request, { latency_ms: 300, hold_webhooks: true });
  const started = await request.post("/api/user/repos?async=true", { headers: { authorization: `Bearer ${token}` } });
  expect(started.status()).toBe(204);
  await expect(page.getByTestId("synchronize")).toBeDisabled();
  await expect(page.locator(".repo-name", { hasText: name })).toBeVisible();
  await expect(page.getByTestId("sync-status")).toHaveText("Synchronized: +1 new.");
  await expect(page.getByTestId("synchronize")).toBeEnabled();
  expect(consoleProblems).toEqual([]);
});

test("a repository created at the forge appears on an open dashboard with no click", async ({ page, request, consoleProblems }) => {
  await signIn(page);
  await expect(rows(page).first()).toBeVisible();
  const name = unique("hooked");
  // The simulated forge delivers its signed `repository` webhook to /hook as it creates it.
  await createRepo(request, "acme-labs", name);
  await expect(page.locator(".repo-name", { hasText: name })).toBeVisible();
  await expect(page.getByTestId("sync-age")).toHaveText(/Synced just now/);
  expect(consoleProblems).toEqual([]);
});

test("a forge failure is shown plainly and the list stays as it was", async ({ page, request, consoleProblems }) => {
  // Without the forge's webhook, only a sync can bring the new repository in.
  await setFaults(request, { hold_webhooks: true });
  await signIn(page);
  await expect(rows(page).first()).toBeVisible();
  const before = await page.getByTestId("repo-count").textContent();
  await createRepo(request, "acme", unique("unseen"));

  await setFaults(request, { fail_next: 20, hold_webhooks: true });
  await page.getByTestId("synchronize").click();
  await expect(page.getByTestId("sync-failure")).toContainText("The last sync failed: the forge failed (500)");
  await expect(page.getByTestId("repo-count")).toHaveText(before!);

  await setFaults(request, { proxy_429_next: 1, proxy_retry_after_s: 900, hold_webhooks: true });
  await page.getByTestId("synchronize").click();
  await expect(page.getByTestId("sync-failure")).toContainText(/GitHub is rate limiting until \d\d:\d\d UTC; try again then\./);
  await expect(page.getByTestId("repo-count")).toHaveText(before!);
  // The failure is the latest run's: a reload still shows it.
  await page.reload();
  await expect(page.getByTestId("sync-failure")).toContainText("rate limiting");

  await setFaults(request, { hold_webhooks: true });
  await page.getByTestId("synchronize").click();
  await expect(page.getByTestId("sync-failure")).toHaveCount(0);
  await expect(page.getByTestId("sync-status")).toHaveText("Synchronized: +1 new.");
  expect(consoleProblems).toEqual([]);
});

test("without JavaScript the page still signs in, filters and synchronizes", async ({ browser, request }) => {
  // Without the forge's webhook, only a sync can bring the new repository in.
  await setFaults(request, { hold_webhooks: true });
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto("/");
  await page.getByRole("link", { name: "Sign in with GitHub" }).click();
  await expect(page.getByTestId("viewer")).toHaveText("octocat");
  const name = unique("nojs");
  await createRepo(request, "partners", name);
  await page.getByTestId("synchronize").click();
  await expect(page.locator(".repo-name", { hasText: name })).toBeVisible();
  await expect(page.getByTestId("sync-age")).toHaveText(/Synced just now/);
  await page.getByLabel("Filter").fill(name);
  await page.getByRole("button", { name: "Apply" }).click();
  await expect(page).toHaveURL(new RegExp(`q=${name}`));
  await expect(rows(page)).toHaveCount(1);
  await context.close();
});

test("everything works from the keyboard", async ({ page, request, consoleProblems }) => {
  // Without the forge's webhook, only a sync can bring the new repository in.
  await setFaults(request, { hold_webhooks: true });
  await signIn(page);
  await expect(rows(page).first()).toBeVisible();
  await page.keyboard.press("Tab");
  await expect(page.getByRole("link", { name: "Skip to content" })).toBeFocused();
  await page.keyboard.press("Enter");
  const name = unique("keys");
  await createRepo(request, "acme", name);
  // Tab from the top of the content to the Synchronize button and press it.
  const button = page.getByTestId("synchronize");
  for (let i = 0; i < 10 && !(await button.evaluate((b) => b === document.activeElement)); i++) {
    await page.keyboard.press("Tab");
  }
  await expect(button).toBeFocused();
  const outline = await button.evaluate((b) => getComputedStyle(b).outlineStyle);
  expect(outline).not.toBe("none");
  await page.keyboard.press("Enter");
  await expect(page.getByTestId("sync-status")).toHaveText("Synchronized: +1 new.");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Filter")).toBeFocused();
  await page.keyboard.type(name);
  await expect(rows(page)).toHaveCount(1);
  expect(consoleProblems).toEqual([]);
});

test("the account page makes, shows and revokes API tokens", async ({ page, consoleProblems }) => {
  await signIn(page);
  await page.getByRole("link", { name: "Account" }).click();
  await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
  await expect(page).toHaveTitle("Account · Reposync");
  const before = await page.getByTestId("token-row").count();
  await page.getByLabel("Label").fill("hook runner");
  await page.getByRole("button", { name: "Create token" }).click();
  const created = page.getByTestId("new-token");
  await expect(created).toBeVisible();
  const token = await page.locator("#token-value").inputValue();
  expect(token).toMatch(/^rs_/);
  await expect(page.locator("#token-usage")).toHaveValue(
    new RegExp(`^curl -X POST -H "Authorization: Bearer ${token}" "http://127\\.0\\.0\\.1:\\d+/api/user/repos\\?all=true&flush=true"$`),
  );
  await expect(page.getByTestId("token-row")).toHaveCount(before + 1);
  const api = await page.request.get("/api/user", { headers: { authorization: `Bearer ${token}` } });
  expect((await api.json()).login).toBe("octocat");
  await expect(page.getByTestId("run-row").first()).toBeVisible();

  const row = page.getByTestId("token-row").filter({ hasText: "hook runner" }).last();
  await row.getByRole("button", { name: /Revoke/ }).click();
  await expect(page.getByTestId("token-row")).toHaveCount(before);
  const refused = await page.request.get("/api/user", { headers: { authorization: `Bearer ${token}` } });
  expect(refused.status()).toBe(401);
  expect(consoleProblems).toEqual([]);
});
