// Prices: versioned per model with an effective date. Defaults (orgId null) apply to every org; an
// org's own rows override them from their effective date on. Rows are never edited: a change is a new
// version, so the cost of every past event stays explainable. Org admins manage only their overrides.
import { effectivePrice } from "@aitk/core/usage/pricing";
import { DomainError } from "@aitk/core/errors";
import { z } from "zod";
import { requireRole, type TServiceCtx } from "./actor";
import { audit } from "./audit";

const usdPerMTok = z
  .number({ error: "must be a number (USD per 1M tokens)" })
  .min(0, "must be ≥ 0")
  .max(10_000, "must be ≤ 10000 USD per 1M tokens");

export const ZCreatePrice = z.object({
  model: z.string().trim().min(1, "is required").max(200),
  inputUsdPerMTok: usdPerMTok,
  outputUsdPerMTok: usdPerMTok,
  requestUsd: z.number().min(0).max(100).default(0),
  /** Default now; a future date schedules the change. */
  effectiveFrom: z.coerce.date().optional(),
});

export const ZPrice = z.object({
  id: z.string(),
  scope: z.enum(["default", "org"]),
  model: z.string(),
  inputUsdPerMTok: z.number(),
  outputUsdPerMTok: z.number(),
  requestUsd: z.number(),
  currency: z.string(),
  effectiveFrom: z.string(),
  /** In effect now for this org (for its model). */
  current: z.boolean(),
  createdAt: z.string(),
});
export type TPriceOut = z.infer<typeof ZPrice>;

type TRow = {
  id: string;
  orgId: string | null;
  model: string;
  inputMicroUsdPerMTok: number;
  outputMicroUsdPerMTok: number;
  requestMicroUsd: number;
  currency: string;
  effectiveFrom: Date;
  createdAt: Date;
};

const toOut = (r: TRow, current: boolean): TPriceOut => ({
  id: r.id,
  scope: r.orgId ? "org" : "default",
  model: r.model,
  inputUsdPerMTok: r.inputMicroUsdPerMTok / 1e6,
  outputUsdPerMTok: r.outputMicroUsdPerMTok / 1e6,
  requestUsd: r.requestMicroUsd / 1e6,
  currency: r.currency,
  effectiveFrom: r.effectiveFrom.toISOString(),
  current,
  createdAt: r.createdAt.toISOString(),
});

/** Defaults and this org's overrides (never another org's), newest first, with what is in effect now. */
export async function listPrices(ctx: TServiceCtx): Promise<TPriceOut[]> {
  const orgId = ctx.actor.orgId;
  const rows = await ctx.deps.prisma.price.findMany({
    where: { OR: [{ orgId: null }, { orgId }] },
    orderBy: [{ model: "asc" }, { effectiveFrom: "desc" }],
  });
  const now = new Date();
  const inEffect = new Set<string>();
  for (const model of new Set(rows.map((r) => r.model))) {
    const p = effectivePrice(rows, orgId, model, now);
    if (p) inEffect.add(p.id);
  }
  return rows.map((r) => toOut(r, inEffect.has(r.id)));
}

export async function createPrice(ctx: TServiceCtx, input: z.input<typeof ZCreatePrice>): Promise<TPriceOut> {
  requireRole(ctx.actor, "admin");
  const data = ZCreatePrice.parse(input);
  const effectiveFrom = data.effectiveFrom ?? new Date();
  if (effectiveFrom.getTime() < Date.now() - 60_000)
    throw new DomainError(
      "VALIDATION",
      "effectiveFrom: must not be in the past (costs of recorded events do not change)",
      { field: "effectiveFrom" },
    );
  const row = await ctx.deps.prisma.price.create({
    data: {
      orgId: ctx.actor.orgId,
      model: data.model,
      inputMicroUsdPerMTok: Math.round(data.inputUsdPerMTok * 1e6),
      outputMicroUsdPerMTok: Math.round(data.outputUsdPerMTok * 1e6),
      requestMicroUsd: Math.round(data.requestUsd * 1e6),
      effectiveFrom,
      createdById: ctx.actor.userId,
    },
  });
  const out = toOut(row, effectiveFrom.getTime() <= Date.now());
  await audit(ctx, { action: "price.create", targetType: "Price", targetId: row.id, after: out });
  return out;
}

/** A scheduled (not yet effective) override can be withdrawn; effective versions are history. */
export async function deletePrice(ctx: TServiceCtx, id: string): Promise<{ id: string }> {
  requireRole(ctx.actor, "admin");
  const row = await ctx.deps.prisma.price.findFirst({ where: { id, orgId: ctx.actor.orgId } });
  if (!row) throw new DomainError("NOT_FOUND", `price ${id} not found`, { field: "id" });
  if (row.effectiveFrom.getTime() <= Date.now())
    throw new DomainError("PRECONDITION", "id: this price is already in effect; add a new version instead", {
      field: "id",
    });
  await ctx.deps.prisma.price.delete({ where: { id: row.id } });
  await audit(ctx, {
    action: "price.delete",
    targetType: "Price",
    targetId: row.id,
    before: toOut(row, false),
  });
  return { id: row.id };
}
