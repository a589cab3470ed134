// Invites by link (no SMTP here: the admin sees the link), role-aware UI and the organization switcher.
import { join } from "node:path";
import { expect, type Page, test } from "@playwright/test";

const ARTIFACTS = join(import.meta.dirname, "..", "artifacts");
const shot = (page: Page, name: string) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

async function signUp(page: Page, email: string, org: string) {
  await page.getByLabel("Your name").fill(email.split("@")[0]!);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("a-long-enough-password");
  await page.getByLabel("Organization name").fill(org);
  await page.getByRole("button", { name: "Create account" }).click();
}

test("an admin invites a viewer by link; the viewer joins and switches organizations", async ({
  browser,
}) => {
  const stamp = Date.now().toString(36);
  const ownerEmail = `owner-${stamp}@example.com`;
  const guestEmail = `guest-${stamp}@example.com`;

  const owner = await browser.newPage();
  await owner.goto("/sign-up");
  await signUp(owner, ownerEmail, `Team ${stamp}`);
  await expect(owner.getByRole("heading", { name: `Team ${stamp}` })).toBeVisible();
  await owner.locator("nav").getByRole("link", { name: "Settings", exact: true }).click();
  await expect(owner.getByRole("heading", { name: "Invite members" })).toBeVisible();
  const invite = owner.locator("form", { has: owner.getByRole("button", { name: "Create invite link" }) });
  await invite.getByLabel("Email").fill("not-an-email");
  await owner.getByRole("button", { name: "Create invite link" }).click();
  await expect(invite.locator(".field-error")).toContainText("email");
  await invite.getByLabel("Email").fill(guestEmail);
  await invite.getByLabel("Role").selectOption("viewer");
  await owner.getByRole("button", { name: "Create invite link" }).click();
  const link = (await owner.getByTestId("invite-link").textContent())!;
  expect(link).toMatch(/\/invite\/[A-Za-z0-9_-]{30,}$/);
  await shot(owner, "08-invite-link");

  const guestCtx = await browser.newContext();
  const guest = await guestCtx.newPage();
  await guest.goto(new URL(link).pathname);
  await expect(guest.getByText(`You are invited to Team ${stamp} as viewer`)).toBeVisible();
  await guest.getByRole("link", { name: "Create an account" }).click();
  await expect(guest.getByLabel("Email")).toHaveValue(guestEmail);
  await signUp(guest, guestEmail, `Guest ${stamp}`);
  await guest.getByRole("button", { name: "Accept invite" }).click();
  await expect(guest.getByRole("heading", { name: `Team ${stamp}` })).toBeVisible();
  const switcher = guest.getByTestId("org-switcher");
  await expect(switcher.locator("option:checked")).toHaveText(`Team ${stamp} (viewer)`);

  // A viewer sees no register form and cannot create keys.
  await guest.locator("nav").getByRole("link", { name: "API keys", exact: true }).click();
  await guest.getByLabel("Name").fill("nope");
  await guest.getByRole("button", { name: "Create key" }).click();
  await expect(guest.locator(".alert.error")).toContainText("needs the member role");
  await shot(guest, "09-viewer-refused");

  // Switch to the guest's own organization.
  await switcher.selectOption({ label: `Guest ${stamp} (owner)` });
  await expect(guest.getByRole("heading", { name: `Guest ${stamp}` })).toBeVisible();
  await guestCtx.close();

  // The owner sees the new member.
  await owner.reload();
  await expect(owner.getByRole("cell", { name: guestEmail })).toBeVisible();
});
