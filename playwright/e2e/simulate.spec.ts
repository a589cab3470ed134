// Simulate a model on two devices side by side and see the verdict and the charts; then draft a build
// (live dry-run preview, a line:column error) and browse the compatibility graph. Screenshots go to
// playwright/artifacts/.
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";

const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");
const nav = (page: Page, name: string) => page.locator("nav").getByRole("link", { name, exact: true });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

async function signUp(page: Page) {
  const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill("Sim User");
  await page.getByLabel("Email").fill(`sim-${stamp}@example.com`);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByLabel("Organization name").fill(`Sim ${stamp}`);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: `Sim ${stamp}` })).toBeVisible({ timeout: 60_000 });
}

test("simulate Llama-3.1-8B on an H100 and an L4: verdicts side by side and charts", async ({ page }) => {
  await signUp(page);
  await nav(page, "Simulate").click();
  await expect(page.getByRole("heading", { name: "Simulate" })).toBeVisible();

  // Two devices: keep the H100, swap the A100 for an L4.
  const devices = page.getByTestId("sim-devices");
  await expect(devices.getByRole("checkbox").first()).toBeVisible();
  await devices.getByLabel(/^NVIDIA A100 SXM4 80GB/).uncheck();
  await devices.getByLabel(/^NVIDIA L4\b/).check();
  await expect(page.getByText("2 selected")).toBeVisible();
  await page.getByLabel("Model", { exact: true }).selectOption("llama-3.1-8b");
  await page.getByLabel("Quantization", { exact: true }).selectOption("bf16");
  await page.getByLabel("Engine", { exact: true }).selectOption("vllm");
  await page.getByLabel("Batch", { exact: true }).fill("16");
  await page.getByLabel("Context (prompt tokens)").fill("4096");
  await page.getByRole("button", { name: "Simulate" }).click();

  const verdicts = page.getByTestId("sim-verdict");
  await expect(verdicts).toHaveCount(2);
  const h100 = page.locator('[data-testid="sim-verdict"][data-device="nvidia-h100-sxm5-80gb"]');
  const l4 = page.locator('[data-testid="sim-verdict"][data-device="nvidia-l4"]');
  await expect(h100).toHaveAttribute("data-fits", "true");
  await expect(h100).toContainText("fits");
  for (const label of [
    "Weights",
    "KV capacity",
    "Max concurrency",
    "TTFT",
    "Tokens/s (decode)",
    "Energy / token",
    "Bound",
  ])
    await expect(h100).toContainText(label);
  await expect(l4).toContainText("TTFT");

  // Four charts, each with one line per device.
  for (const id of ["chart-ttft-batch", "chart-tps-batch", "chart-ttft-context", "chart-tps-context"]) {
    const chart = page.getByTestId(id);
    await expect(chart.locator("path.recharts-curve.recharts-line-curve")).toHaveCount(2);
  }
  await expect(page.getByTestId("sim-charts")).toContainText("NVIDIA L4");
  await shot(page, "sim-01-two-devices");

  // A model too big for the L4 alone: the verdict says OOM and why.
  await page.getByLabel("Model", { exact: true }).selectOption("llama-3.1-70b");
  await page.getByRole("button", { name: "Simulate" }).click();
  await expect(l4).toHaveAttribute("data-fits", "false");
  await expect(l4.getByTestId("sim-oom-reason")).toBeVisible();
  await shot(page, "sim-02-oom-verdict");

  // A sweep over 500 points runs as a simulate.sweep job: progress bar, then the same views.
  await page.getByLabel("Model", { exact: true }).selectOption("llama-3.1-8b");
  await devices.getByLabel(/^NVIDIA H200 SXM/).check();
  await page.getByLabel("Batch sizes to chart").fill("1, 2, 4, 8, 12, 16, 24, 32, 48, 64, 96, 128");
  await page
    .getByLabel("Context lengths to chart")
    .fill("256, 512, 1024, 1536, 2048, 3072, 4096, 6144, 8192, 12288, 16384, 24576, 32768, 65536");
  await page.getByRole("button", { name: "Simulate" }).click();
  const live = page.getByTestId("job-live");
  await expect(live).toBeVisible();
  await expect(live).toHaveAttribute("data-state", "completed", { timeout: 60_000 });
  await expect(page.getByTestId("sim-results")).toContainText("Stored sweep", { timeout: 20_000 });
  await expect(page.getByTestId("sim-verdict")).toHaveCount(3);
  await expect(page.getByTestId("sim-list")).toContainText("completed");
  await shot(page, "sim-03-sweep-job");
});

test("draft a build with a live dry run, then browse the compatibility graph", async ({ page }) => {
  await signUp(page);
  await nav(page, "Builds").click();
  await page.getByRole("link", { name: "New build" }).click();
  const preview = page.getByTestId("dry-run");
  await expect(preview.getByTestId("resolution")).toContainText("llama.cpp", { timeout: 30_000 });
  await expect(preview).toContainText("why:");
  await shot(page, "build-01-dry-run-preview");

  const editor = page.getByTestId("dockerfile-editor");
  await editor.fill("FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nQUANTISE q4_k_m\n");
  await expect(page.getByTestId("dry-run-error")).toContainText("Dockerfile.ai:3:1");
  await shot(page, "build-02-dry-run-error");

  // A real build on the local Docker host: live log, step progress, and the outcome with its step.
  await nav(page, "Hosts").click();
  await page.getByLabel("Name").fill("local");
  await page.getByRole("button", { name: "Register host" }).click();
  await expect(page.locator('tr[data-host="local"]')).toBeVisible();
  await nav(page, "Builds").click();
  await page.getByRole("link", { name: "New build" }).click();
  await expect(page.getByTestId("dry-run").getByTestId("resolution")).toContainText("llama.cpp", {
    timeout: 30_000,
  });
  await page.getByLabel("Image tag").fill("e2e-llama:1");
  await page.getByRole("button", { name: "Start build" }).click();
  await expect(page.getByRole("heading", { name: "e2e-llama:1" })).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId("job-live")).toBeVisible();
  await expect(page.getByTestId("job-logs")).toContainText("resolved", { timeout: 60_000 });
  await expect(page.getByTestId("job-live")).toHaveAttribute("data-state", /completed|failed/, {
    timeout: 120_000,
  });
  await expect(page.getByTestId("sbom")).toContainText("CycloneDX");
  await shot(page, "build-03-build-detail");
  await nav(page, "Builds").click();
  await expect(page.getByTestId("builds-table")).toContainText("e2e-llama:1");
  await shot(page, "build-04-builds-list");

  await nav(page, "Compatibility").click();
  await expect(page.getByTestId("compat-rows")).toContainText("vllm");
  await page.getByLabel("Engine", { exact: true }).selectOption("vllm");
  await page.getByLabel("Target", { exact: true }).selectOption("apple-m4");
  await expect(page.getByTestId("compat-rows")).toContainText("Nothing matches");
  await page.getByLabel("Target", { exact: true }).selectOption("nvidia-h100");
  await expect(page.getByTestId("compat-rows").locator('tr[data-engine="vllm"]').first()).toBeVisible();
  await shot(page, "build-05-compatibility");
});
