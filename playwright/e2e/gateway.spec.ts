// Gateway page (models with health, snippets, SSRF feedback), the "Try it" playground streaming tokens
// from the embedded engine model "aitk-tiny" THROUGH the gateway from the browser (cross-origin, with a
// short-lived playground key), then the Audit page: filters in the URL, diff view, JSON-lines download.
// Runs as the demo admin of the stack (its demo.json under AITK_STATE). Screenshots: playwright/artifacts/.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";

const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

type TDemo = { email: string; password: string; gatewayUrl: string };
const demoPath = join(process.env.AITK_STATE ?? join(import.meta.dirname, "..", "..", ".aitk"), "demo.json");
const demo: TDemo | null = existsSync(demoPath)
  ? (JSON.parse(readFileSync(demoPath, "utf8")) as TDemo)
  : null;

test.skip(!demo, `no demo stack (${demoPath}); run npm run up or scripts/test.sh`);

async function signInAsDemo(page: Page) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(demo!.email);
  await page.getByLabel("Password").fill(demo!.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Overview" }).or(page.locator("h1").first())).toBeVisible();
  await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
}

test("gateway page, playground streaming through the gateway, audit filters and export", async ({ page }) => {
  // A dev server compiles each page on first visit; a built one is far quicker.
  test.setTimeout(240_000);
  await signInAsDemo(page);

  // --- Gateway page: aitk-tiny with a healthy endpoint, snippets, SSRF feedback.
  await page.goto("/gateway");
  await expect(page.getByRole("heading", { name: "Gateway", exact: true })).toBeVisible();
  const tiny = page.locator('[data-testid="gateway-models"] tr[data-model="aitk-tiny"]');
  await expect(tiny).toBeVisible();
  await expect(tiny).toContainText("healthy");
  await expect(tiny).toContainText("embedded");
  await expect(page.getByTestId("gateway-base-url")).toHaveText(`${demo!.gatewayUrl}/v1`);
  await page.getByRole("tab", { name: "Python (openai)" }).click();
  await expect(page.getByTestId("snippet-python")).toContainText(`base_url="${demo!.gatewayUrl}/v1"`);
  await expect(page.getByTestId("snippet-python")).toContainText('model="aitk-tiny"');
  await page.getByRole("tab", { name: "TypeScript (openai)" }).click();
  await expect(page.getByTestId("snippet-typescript")).toContainText(
    "stream_options: { include_usage: true }",
  );

  await page.getByLabel("Model name").fill("metadata-probe");
  await page.getByLabel("Upstream base URL").fill("http://169.254.169.254/latest/v1");
  await expect(page.getByTestId("ssrf-verdict")).toContainText("metadata");
  await page.getByRole("button", { name: "Register" }).click();
  await expect(page.locator('[data-field="upstreamUrl"] .field-error').last()).toContainText("metadata");
  await shot(page, "gateway-01-models-snippets-ssrf");

  // --- Playground: a playground key, then tokens streamed from the gateway (another origin).
  await tiny.getByRole("link", { name: "Try" }).click();
  await expect(page.getByRole("heading", { name: "Try it" })).toBeVisible();
  await page.getByRole("button", { name: "Create playground key" }).click();
  await expect(page.getByTestId("playground-key")).toContainText("inference only");
  // The key is in the page's memory only: not in the HTML the server rendered, nor in storage.
  expect(
    await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage)),
  ).not.toMatch(/aitk_[0-9A-Za-z]{40}/);
  await page.getByLabel("Max tokens").fill("40");
  await page.getByLabel("Message").fill("Tell me a story about a lighthouse.");
  // Record every text the completion shows while it streams.
  await page.evaluate(() => {
    const w = window as unknown as { __seen: number[] };
    w.__seen = [];
    new MutationObserver(() => {
      const el = document.querySelector('[data-testid="completion"]');
      const n = el?.textContent?.length ?? 0;
      if (n && w.__seen[w.__seen.length - 1] !== n) w.__seen.push(n);
    }).observe(document.body, { subtree: true, childList: true, characterData: true });
  });
  const gatewayCall = page.waitForRequest(
    (r) => r.url() === `${demo!.gatewayUrl}/v1/chat/completions` && r.method() === "POST",
  );
  const gatewayResponse = page.waitForResponse(
    (r) => r.url() === `${demo!.gatewayUrl}/v1/chat/completions` && r.request().method() === "POST",
  );
  await page.getByRole("button", { name: "Send" }).click();
  const req = await gatewayCall;
  expect(req.headers().authorization).toMatch(/^Bearer aitk_/);
  expect(JSON.parse(req.postData() ?? "{}")).toMatchObject({ model: "aitk-tiny", stream: true });
  await expect(page.getByTestId("usage")).toContainText(/\d+ in \/ \d+ out/, { timeout: 60_000 });
  await expect(page.getByText("served by aitk-tiny")).toBeVisible();
  await expect(page.getByTestId("ttft")).toContainText("TTFT");
  // Streamed for real: an SSE response of many chunks. (How many paints the page shows depends on how
  // fast the engine is: a quick machine can deliver all 40 tokens within one React render.)
  const res = await gatewayResponse;
  expect(res.headers()["content-type"]).toContain("text/event-stream");
  const chunks = (await res.text()).split("\n").filter((l) => l.startsWith("data: {"));
  expect(chunks.length, "SSE chunks from the gateway").toBeGreaterThanOrEqual(10);
  const seen = await page.evaluate(() => (window as unknown as { __seen: number[] }).__seen);
  expect(seen.length, `completion grew in steps: ${seen.join(",")}`).toBeGreaterThanOrEqual(1);
  expect((await page.getByTestId("completion").textContent())?.length).toBeGreaterThan(0);
  await shot(page, "gateway-02-playground-streamed");

  await page.getByRole("button", { name: "Revoke now" }).click();
  await expect(page.getByRole("button", { name: "Create playground key" })).toBeVisible();
  // A key still held when the page is left is revoked on the way out.
  await page.getByRole("button", { name: "Create playground key" }).click();
  const prefix = (await page.getByTestId("playground-key").locator(".mono").textContent())!.replace("…", "");
  await page.goto("/gateway/keys");
  const keyRow = page.locator("tr", { hasText: prefix });
  await expect
    .poll(
      async () => {
        await page.reload();
        return keyRow.textContent();
      },
      { timeout: 20_000 },
    )
    .toContain("revoked");

  // The gateway has now routed for this org: the page shows its live routing state per endpoint.
  await page.goto("/gateway");
  await expect(tiny.getByTestId("endpoint-outstanding")).toContainText("0 outstanding");
  await shot(page, "gateway-03-live-endpoints");

  // --- Audit: filters in the URL, before/after diff, JSON-lines download.
  await page.goto("/audit");
  await page.getByLabel("Action starts with").fill("apiKey.");
  await page.getByLabel("Target type").selectOption("ApiKey");
  await page.getByRole("button", { name: "Filter" }).click();
  await expect(page).toHaveURL(/action=apiKey\.&targetType=ApiKey/);
  await page.reload();
  await expect(page.getByLabel("Action starts with")).toHaveValue("apiKey.");
  await expect(page.getByLabel("Target type")).toHaveValue("ApiKey");
  const table = page.getByTestId("audit-table");
  const revokeRow = table.locator("tr", { hasText: "apiKey.revoke" }).first();
  await expect(revokeRow).toBeVisible();
  await expect(table).not.toContainText("model.");
  await revokeRow.getByRole("button", { name: "Diff" }).click();
  const diff = page.getByTestId("audit-diff").first();
  await expect(diff).toContainText("revokedAt");
  await expect(diff.locator('tr[data-kind="changed"]')).toHaveCount(1);
  await shot(page, "audit-01-filters-diff");

  const download = page.waitForEvent("download");
  await page.getByTestId("audit-export").click();
  const file = await (await download).path();
  const lines = readFileSync(file, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  expect(lines.length).toBeGreaterThanOrEqual(2);
  for (const l of lines) {
    expect(l.action).toMatch(/^apiKey\./);
    expect(l.targetType).toBe("ApiKey");
  }
  expect(lines.some((l) => l.action === "apiKey.create" && l.after?.name === "playground")).toBe(true);
});
