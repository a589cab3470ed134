// The foundation's user journey: sign up → create an API key (shown once) → see the local Docker host
// healthy → run a demo job and watch its progress live. Screenshots go to playwright/artifacts/.
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";

const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");
const nav = (page: Page, name: string) => page.locator("nav").getByRole("link", { name, exact: true });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

test("sign up, create a key, see the local host healthy, watch a demo job", async ({ page }) => {
  const stamp = Date.now().toString(36);
  const email = `e2e-${stamp}@example.com`;

  // Sign up (bad input first: the form names the field).
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill("E2E User");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("short");
  await page.getByLabel("Organization name").fill(`E2E ${stamp}`);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.locator('[data-field="password"] .field-error')).toContainText("at least 10 characters");
  await shot(page, "01-sign-up-error");
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: `E2E ${stamp}` })).toBeVisible();
  await shot(page, "02-overview");

  // API key: shown once.
  await nav(page, "API keys").click();
  await expect(page.getByRole("heading", { name: "Create a key" })).toBeVisible();
  await page.getByLabel("Name").fill("e2e-key");
  await page.getByRole("button", { name: "Create key" }).click();
  const value = page.getByTestId("new-key-value");
  await expect(value).toHaveText(/^aitk_[0-9A-Za-z]{40}$/);
  const key = (await value.textContent())!;
  await shot(page, "03-api-key-created");
  await page.getByRole("button", { name: "Done" }).click();
  await expect(page.getByTestId("new-key")).toHaveCount(0);
  const table = page.getByTestId("keys-table");
  await expect(table).toContainText(key.slice(0, 12));
  await expect(page.locator("body")).not.toContainText(key);

  // The key works against the REST API.
  const me = await page.request.get("/api/v1/me", { headers: { authorization: `Bearer ${key}` } });
  expect(me.status()).toBe(200);

  // Local Docker host: register it and wait for the worker's health check.
  await nav(page, "Hosts").click();
  await expect(page.getByRole("heading", { name: "Register a Docker host" })).toBeVisible();
  await page.getByLabel("Name").fill("local");
  await page.getByRole("button", { name: "Register host" }).click();
  const row = page.locator('tr[data-host="local"]');
  await expect(row).toBeVisible();
  await expect(row.locator(".badge").first()).toHaveText("healthy", { timeout: 45_000 });
  await expect(row).toContainText("Docker");
  await shot(page, "04-host-healthy");
  await row.getByRole("button", { name: "Containers" }).click();
  await expect(page.getByTestId("containers").locator("table")).toBeVisible();
  await expect(page.getByTestId("containers")).not.toContainText("Loading");

  // Demo job with live progress over SSE.
  await nav(page, "Jobs").click();
  await expect(page.getByRole("heading", { name: "Run a demo job" })).toBeVisible();
  await page.getByLabel("Steps").fill("8");
  await page.getByLabel("ms per step").fill("600");
  await page.getByRole("button", { name: "Run demo job" }).click();
  const live = page.getByTestId("job-live");
  await expect(live).toBeVisible();
  // Progress is seen moving: some value strictly between 0 and 100 before completion.
  await expect
    .poll(async () => Number(await live.getAttribute("data-progress")), { timeout: 30_000, intervals: [100] })
    .toBeGreaterThan(0);
  const mid = Number(await live.getAttribute("data-progress"));
  expect(mid).toBeLessThan(100);
  await expect(page.getByTestId("job-logs")).toContainText("step 1/8");
  await shot(page, "05-job-running");
  await expect(live).toHaveAttribute("data-state", "completed", { timeout: 40_000 });
  await expect(page.getByTestId("job-progress")).toHaveText("100%");
  await expect(page.getByTestId("job-logs")).toContainText("completed");
  await shot(page, "06-job-completed");

  // Every change above is in the audit log.
  await nav(page, "Audit").click();
  await expect(page.getByRole("cell", { name: "apiKey.create" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "host.register" })).toBeVisible();
  await expect(page.getByRole("cell", { name: "job.create" })).toBeVisible();
  await shot(page, "07-audit");
});
