import { generateApiKey } from "@aitk/core/crypto/apiKeys";
import type { TPrisma } from "@aitk/db";

export type TSeedOrg = { orgId: string; slug: string };

export async function seedOrg(
  prisma: TPrisma,
  o: {
    plan?: "free" | "paid" | "enterprise";
    rpmLimit?: number | null;
    tpmLimit?: number | null;
    allowLoopback?: boolean;
  } = {},
): Promise<TSeedOrg> {
  const slug = `org-${Math.random().toString(36).slice(2, 10)}`;
  const org = await prisma.organization.create({
    data: {
      name: slug,
      slug,
      plan: o.plan ?? "paid",
      rpmLimit: o.rpmLimit ?? null,
      tpmLimit: o.tpmLimit ?? null,
      allowLoopbackUpstreams: o.allowLoopback ?? true,
    },
  });
  return { orgId: org.id, slug };
}

export async function seedKey(
  prisma: TPrisma,
  orgId: string,
  k: {
    allowedModels?: string[];
    rpmLimit?: number | null;
    tpmLimit?: number | null;
    scopes?: string[];
    expiresAt?: Date;
  } = {},
): Promise<{ key: string; id: string }> {
  const g = generateApiKey();
  const row = await prisma.apiKey.create({
    data: {
      orgId,
      name: "test",
      prefix: g.prefix,
      hash: g.hash,
      allowedModels: k.allowedModels ?? [],
      rpmLimit: k.rpmLimit ?? null,
      tpmLimit: k.tpmLimit ?? null,
      scopes: k.scopes ?? ["inference"],
      expiresAt: k.expiresAt ?? null,
    },
  });
  return { key: g.key, id: row.id };
}

export async function seedModel(
  prisma: TPrisma,
  orgId: string,
  name: string,
  urls: string[],
  m: { tier?: number; upstreamModel?: string; weights?: number[] } = {},
): Promise<string> {
  const sm = await prisma.servedModel.create({
    data: {
      orgId,
      name,
      tier: m.tier ?? 1,
      kind: "external",
      endpoints: {
        create: urls.map((url, i) => ({
          orgId,
          url,
          upstreamModel: m.upstreamModel ?? null,
          weight: m.weights?.[i] ?? 100,
        })),
      },
    },
  });
  return sm.id;
}
