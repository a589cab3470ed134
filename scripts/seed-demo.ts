// Seeds the demo organisation (idempotent) and writes .aitk/demo.json so scripts can find the running
// stack. The demo API key's plaintext exists only in demo.json: when that file is lost, a fresh key is
// issued (the old one is revoked) rather than leaving the demo without a usable key.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { generateApiKey, hashApiKey } from "@aitk/core/crypto/apiKeys";
import { parseStripeConfig } from "@aitk/core/billing/stripeConfig";
import { createPrisma } from "@aitk/db";
import { createStripe, ensureCustomer, ensureMeters } from "@aitk/db/billing/stripe";
import { DEFAULT_ADMIN_EMAIL, seedDemo } from "@aitk/db/seed";

const env = process.env;
const need = (name: string) => {
  const v = env[name];
  if (!v) {
    console.error(`seed-demo: ${name} is not set (see .env.example)`);
    process.exit(2);
  }
  return v;
};

const stateDir = resolve(env.AITK_STATE ?? join(import.meta.dirname, "..", ".aitk"));
const demoPath = join(stateDir, "demo.json");
const host = "127.0.0.1";
const webPort = env.WEB_PORT ?? "3000";
const gatewayUrl = env.GATEWAY_PUBLIC_URL ?? `http://${host}:${env.GATEWAY_PORT ?? "4000"}`;
const engineUrl = env.ENGINE_PUBLIC_URL ?? `http://${host}:${env.ENGINE_PORT ?? "4100"}/v1`;
const email = env.DEMO_ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL;
const password = env.DEMO_ADMIN_PASSWORD || "aitk-demo-password";

const prisma = createPrisma(need("DATABASE_URL"), { max: 2 });
try {
  const seeded = await seedDemo(prisma, {
    secretKeyHex: need("AITK_SECRET_KEY"),
    engineUrl,
    adminEmail: email,
    adminPassword: password,
  });
  const previous = existsSync(demoPath)
    ? (JSON.parse(readFileSync(demoPath, "utf8")) as { apiKey?: string })
    : {};
  let apiKey = seeded.apiKey ?? previous.apiKey ?? null;
  const usable =
    apiKey &&
    (await prisma.apiKey.findFirst({
      where: { hash: hashApiKey(apiKey), orgId: seeded.orgId, revokedAt: null },
    }));
  if (!usable) {
    await prisma.apiKey.update({ where: { id: seeded.apiKeyId }, data: { revokedAt: new Date() } });
    const fresh = generateApiKey();
    await prisma.apiKey.create({
      data: {
        orgId: seeded.orgId,
        name: `demo (reissued ${new Date().toISOString().slice(0, 10)})`,
        prefix: fresh.prefix,
        hash: fresh.hash,
        scopes: ["inference", "api"],
        createdById: seeded.userId,
      },
    });
    apiKey = fresh.key;
  }
  // With Stripe configured (the demo stack runs the emulator), the demo org gets its customer and the
  // two meters now, so anyone can read the meter event summaries with stripe-node right away.
  const stripeCfg = parseStripeConfig({ secretKey: env.STRIPE_SECRET_KEY, apiBase: env.STRIPE_API_BASE });
  let stripeCustomerId: string | null = null;
  if (stripeCfg) {
    const stripe = createStripe(stripeCfg, { maxNetworkRetries: 2 });
    stripeCustomerId = await ensureCustomer(prisma, stripe, seeded.orgId);
    await ensureMeters(stripe);
  }
  const demo = {
    dashboardUrl: env.NEXTAUTH_URL ?? `http://${host}:${webPort}`,
    gatewayUrl,
    apiUrl: `${env.NEXTAUTH_URL ?? `http://${host}:${webPort}`}/api/v1`,
    email,
    password,
    apiKey,
    orgId: seeded.orgId,
    ...(stripeCfg
      ? {
          stripeApiBase: env.STRIPE_API_BASE ?? "https://api.stripe.com",
          stripeSecretKey: stripeCfg.secretKey,
          stripeCustomerId,
        }
      : {}),
  };
  mkdirSync(stateDir, { recursive: true });
  writeFileSync(demoPath, `${JSON.stringify(demo, null, 2)}\n`, { mode: 0o600 });
  console.log(`seeded demo organisation ${seeded.orgId}; wrote ${demoPath}`);
} finally {
  await prisma.$disconnect();
}
