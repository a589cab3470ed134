// Deploy from the dashboard: a malformed aitk-deploy.yaml shows its line:column; a good one rolls the
// embedded engine image out to the local Docker host (targets, replicas, live logs); a revision whose
// engine never becomes healthy is rolled back automatically while revision 1 keeps serving; revision
// history offers a one-click rollback to an earlier revision. Screenshots go to playwright/artifacts/.
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";

const ROOT = join(import.meta.dirname, "..", "..");
const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");
const nav = (page: Page, name: string) => page.locator("nav").getByRole("link", { name, exact: true });
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
const stamp = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e4)}`;
const name = `e2e-${stamp}`.slice(0, 40);

const spec = (extra = "") => `apiVersion: aitk/v1
kind: AIDeployment
metadata:
  name: ${name}
spec:
  model:
    name: aitk-tiny
    servedName: ${name}
  runtime:
    engine: aitk${extra}
  strategy:
    type: blue-green
    gates: { healthTimeout: 60s }
    scaleDownDelay: 5s
  targets:
    - name: local
      platform: docker
      host: local
      image: aitk/engine:local
      replicas: 1
`;

test.beforeAll(() => {
  // The image the spec runs, built from local files (reused when unchanged).
  execFileSync("npx", ["tsx", "scripts/build-engine-image.ts", "--quiet"], { cwd: ROOT, stdio: "ignore" });
});

test.afterAll(() => {
  const ids = execFileSync("docker", ["ps", "-aq", "--filter", `label=aitk.io/deployment=${name}`], {
    encoding: "utf8",
  })
    .split("\n")
    .filter(Boolean);
  if (ids.length) execFileSync("docker", ["rm", "-f", ...ids], { stdio: "ignore" });
});

test("deploy the engine to the local host, see a failed revision rolled back", async ({ page }) => {
  test.setTimeout(240_000);
  await page.goto("/sign-up");
  await page.getByLabel("Your name").fill("Deploy User");
  await page.getByLabel("Email").fill(`deploy-${stamp}@example.com`);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByLabel("Organization name").fill(`Deploy ${stamp}`);
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { name: `Deploy ${stamp}` })).toBeVisible({ timeout: 60_000 });

  await nav(page, "Hosts").click();
  await page.getByLabel("Name").fill("local");
  await page.getByRole("button", { name: "Register host" }).click();
  await expect(page.locator('tr[data-host="local"]')).toBeVisible();

  await nav(page, "Deployments").click();
  await expect(page.getByRole("heading", { name: "Deployments" })).toBeVisible();
  await page.getByTestId("new-deployment").click();
  await page.getByTestId("deployment-yaml").fill(spec().replace("replicas: 1", "replicas: one"));
  await page.getByTestId("deploy-submit").click();
  await expect(page.getByTestId("deployment-error")).toContainText(/aitk-deploy\.yaml:\d+:\d+: .*replicas/);
  await shot(page, "deploy-01-yaml-error");

  await page.getByTestId("deployment-yaml").fill(spec());
  await page.getByTestId("deploy-submit").click();
  await expect(page.getByRole("heading", { name })).toBeVisible();
  const target = page.locator('[data-testid="rollout"] tr[data-target="local"]');
  await expect(target.locator(".badge").first()).toHaveText("active", { timeout: 120_000 });
  const replica = page.locator('[data-testid="replicas"] tr[data-replica="local-r1-0"]');
  await expect(replica.locator(".badge").first()).toHaveText("healthy");
  await replica.getByRole("button", { name: "Logs" }).click();
  await expect(page.getByTestId("replica-logs")).toContainText("engine ready", { timeout: 20_000 });
  await shot(page, "deploy-02-active");

  // Revision 2 cannot start (no model on a read-only root): rolled back, revision 1 still current.
  await nav(page, "Deployments").click();
  await page.getByTestId("new-deployment").click();
  await page
    .getByTestId("deployment-yaml")
    .fill(spec('\n    env:\n      ENGINE_MODEL_PATH: "/nonexistent/model.gguf"'));
  await page.getByTestId("deploy-submit").click();
  await expect(page.locator('[data-testid="rollout"] h3')).toContainText("Revision 2");
  await expect(target.locator(".badge").first()).toHaveText("rolled_back", { timeout: 120_000 });
  await expect(page.locator('[data-testid="revisions"] tr[data-revision="1"]')).toContainText("(current)");
  await expect(replica.locator(".badge").first()).toHaveText("healthy");
  await shot(page, "deploy-03-rolled-back");

  // A good change becomes revision 3; then one click puts revision 1's spec back, as revision 4.
  await nav(page, "Deployments").click();
  await page.getByTestId("new-deployment").click();
  await page.getByTestId("deployment-yaml").fill(spec('\n    env:\n      GREETING: "v3"'));
  await page.getByTestId("deploy-submit").click();
  await expect(page.locator('[data-testid="rollout"] h3')).toContainText("Revision 3");
  await expect(target.locator(".badge").first()).toHaveText("active", { timeout: 120_000 });
  await page.getByTestId("rollback-1").click();
  await expect(page.locator('[data-testid="rollout"] h3')).toContainText("Revision 4", { timeout: 20_000 });
  await expect(page.locator('[data-testid="rollout"] h3')).toContainText("rollback to #1");
  await expect(target.locator(".badge").first()).toHaveText("active", { timeout: 120_000 });
  await expect(page.locator('[data-testid="revisions"] tr[data-revision="4"]')).toContainText("(current)");
  await expect(page.getByTestId("spec-yaml")).toContainText("restored by rollback");
  await expect(page.getByTestId("spec-yaml")).not.toContainText("GREETING");
  await shot(page, "deploy-04-rollback");
});
