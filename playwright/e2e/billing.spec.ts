// Overview and Billing with traffic: real chat completions through the gateway with the demo API key
// (ledger → drain → usage.rollup), then the panels (stat row, latency, throughput, tables, revenue),
// range presets and filters kept in the URL, the Billing page (invoice by model, Stripe's numbers when
// the stack runs the Stripe emulator, prices), and the Grafana export. Screenshots: playwright/artifacts/.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";

const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

type TDemo = {
  email: string;
  password: string;
  gatewayUrl: string;
  apiKey: string;
  stripeCustomerId?: string | null;
};
const demoPath = join(process.env.AITK_STATE ?? join(import.meta.dirname, "..", "..", ".aitk"), "demo.json");
const demo: TDemo | null = existsSync(demoPath)
  ? (JSON.parse(readFileSync(demoPath, "utf8")) as TDemo)
  : null;

test.skip(!demo, `no demo stack (${demoPath}); run npm run up or scripts/test.sh`);

async function traffic(n: number) {
  let ok = 0;
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${demo!.gatewayUrl}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: `Bearer ${demo!.apiKey}`, "content-type": "application/json" },
      body: JSON.stringify({
        model: "aitk-tiny",
        max_tokens: 8,
        messages: [{ role: "user", content: `Say something about panel ${i}` }],
      }),
    });
    if (r.ok) ok++;
    await r.text();
  }
  return ok;
}

async function signInAsDemo(page: Page) {
  await page.goto("/sign-in");
  await page.getByLabel("Email").fill(demo!.email);
  await page.getByLabel("Password").fill(demo!.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
}

test("overview and usage panels with traffic, billing page, Grafana export", async ({ page }) => {
  test.setTimeout(300_000);
  expect(await traffic(12)).toBeGreaterThan(0);
  await signInAsDemo(page);

  // The rollup job runs every 15 s: wait until the stat row counts the traffic.
  await page.goto("/?range=1h");
  const rps = page.getByTestId("stat-rps");
  await expect(rps).toBeVisible();
  await expect
    .poll(
      async () => {
        await page.reload();
        return (await page.getByTestId("per-model").textContent()) ?? "";
      },
      { timeout: 120_000, intervals: [3_000] },
    )
    .toContain("aitk-tiny");
  await expect(page.getByTestId("chart-ttft")).toBeVisible();
  await expect(page.getByTestId("revenue-by-day")).toBeVisible();
  await shot(page, "billing-01-overview");

  // Gateway usage: presets and filters are kept in the URL.
  await page.goto("/gateway/usage");
  await page.getByRole("button", { name: "6h" }).click();
  await expect(page).toHaveURL(/range=6h/);
  await page.getByLabel("Model").selectOption("aitk-tiny");
  await expect(page).toHaveURL(/model=aitk-tiny/);
  await page.reload();
  await expect(page.getByLabel("Model")).toHaveValue("aitk-tiny");
  await expect(page.getByTestId("per-key")).toBeVisible();
  await shot(page, "billing-02-gateway-usage");

  // Billing: invoice by model from our ledger; Stripe's numbers when the emulator is configured.
  await page.goto("/billing");
  await expect(page.getByTestId("invoice")).toContainText("aitk-tiny");
  await expect(page.getByTestId("prices")).toContainText("aitk-tiny");
  if (demo!.stripeCustomerId) {
    await expect(page.getByTestId("stripe-customer")).toHaveText(demo!.stripeCustomerId);
    await expect(page.getByTestId("stripe-compare")).toBeVisible();
  }
  const download = page.waitForEvent("download");
  await page.getByTestId("grafana-export").click();
  const file = await download;
  expect(file.suggestedFilename()).toBe("aitk-overview.grafana.json");
  await shot(page, "billing-03-billing");
});
