import { stringify } from "yaml";
import { z } from "zod";
import { STRATEGIES } from "./spec";

// What a revision's rollout looks like while it runs and after: stored in Revision.rollout (JSON) by the
// worker, read by the web app and the CLI. Pure: shape, weight arithmetic and the signature policy.

export const APPLY_PLATFORMS = ["docker", "docker-compose", "kubernetes"] as const;
export const isAppliedPlatform = (p: string) => (APPLY_PLATFORMS as readonly string[]).includes(p);

export const TARGET_STATES = [
  "pending",
  "rolling_out",
  "active",
  "failed",
  "rolled_back",
  "skipped",
] as const;

export const ZTargetRollout = z.object({
  platform: z.string(),
  strategy: z.enum(STRATEGIES),
  state: z.enum(TARGET_STATES),
  host: z.string().nullable().optional(),
  /** Replicas wanted / healthy in this revision. */
  replicas: z.number().int(),
  healthy: z.number().int().default(0),
  /** Canary: step index (1-based) of steps; blue-green: 1 = green up, 2 = switched. */
  step: z.number().int().default(0),
  steps: z.number().int().default(0),
  /** Share of the traffic (percent) the new revision receives now. */
  trafficPercent: z.number().min(0).max(100).default(0),
  message: z.string().optional(),
  /** Kubernetes blue-green: the track (Deployment) the Service selects after this rollout. */
  track: z.enum(["blue", "green"]).optional(),
  gates: z
    .object({
      errorRate: z.number().nullable().optional(),
      requests: z.number().int().optional(),
      maxErrorRate: z.number().optional(),
    })
    .optional(),
  updatedAt: z.string().optional(),
});
export type TTargetRollout = z.infer<typeof ZTargetRollout>;

export const ZRolloutRequest = z.object({
  targets: z.array(z.string()).optional(),
  strategy: z.enum(STRATEGIES).optional(),
  /** Set when this revision re-applies an older one (one-click rollback). */
  rollbackOf: z.number().int().optional(),
});
export type TRolloutRequest = z.infer<typeof ZRolloutRequest>;

export const ZRollout = z.object({
  request: ZRolloutRequest.default({}),
  targets: z.record(z.string(), ZTargetRollout).default({}),
  startedAt: z.string().optional(),
  finishedAt: z.string().optional(),
});
export type TRollout = z.infer<typeof ZRollout>;

export function readRollout(json: unknown): TRollout {
  const r = ZRollout.safeParse(json ?? {});
  return r.success ? r.data : { request: {}, targets: {} };
}

/**
 * Endpoint weights that give the new replicas `newPercent` of the traffic: the gateway picks endpoints
 * with probability ∝ weight, so each side's total is split evenly over its replicas (integers, ×100 so a
 * 1 % step over 3 replicas still rounds sensibly).
 */
export function splitWeights(
  newPercent: number,
  nNew: number,
  nOld: number,
): { newEach: number; oldEach: number } {
  const p = Math.max(0, Math.min(100, newPercent));
  return {
    newEach: nNew > 0 ? Math.round((p * 100) / nNew) : 0,
    oldEach: nOld > 0 ? Math.round(((100 - p) * 100) / nOld) : 0,
  };
}

/** 5xx-style outcomes over all requests the new replicas answered; null with too few requests. */
export function errorRate(total: number, failed: number, minRequests = 5): number | null {
  if (total < minRequests) return null;
  return failed / total;
}

export interface TSignaturePolicyInput {
  /** Organization.requireSignedModels */
  orgRequires: boolean;
  /** spec.signature */
  spec?: { required: boolean; keys?: string[] };
  model: string;
  artifact: { manifestDigest: string | null; signer: string | null; signedAt: Date | string | null } | null;
  /** TrustedSigner fingerprints of the org. */
  trustedSigners: string[];
}

/** Why a deployment must not run this model (null: it may). */
export function signatureRefusal(i: TSignaturePolicyInput): string | null {
  const required = i.orgRequires || i.spec?.required === true;
  if (!required) return null;
  const why = i.orgRequires ? "the organization requires signed models" : "spec.signature.required is true";
  const a = i.artifact;
  if (!a)
    return `${why}, and model "${i.model}" is not registered as a model artifact: register it and sign it with \`aitk sign\` first`;
  if (!a.manifestDigest || !a.signer || !a.signedAt)
    return `${why}, and model "${i.model}" has no verified signature (manifest digest, signer)`;
  const accepted = i.spec?.keys?.length ? i.spec.keys : i.trustedSigners;
  if (accepted.length === 0)
    return `${why}, but no trusted signer is configured: add the signer's public key under Settings → Trusted signers`;
  if (!accepted.includes(a.signer))
    return `${why}, and model "${i.model}" is signed by ${a.signer}, which is not a trusted signer`;
  return null;
}

/** A stored spec back as aitk-deploy.yaml text (rollback makes an old revision's spec current again). */
export function specToYaml(spec: unknown, comment?: string): string {
  const body = stringify(spec, { lineWidth: 0 });
  return comment ? `# ${comment}\n${body}` : body;
}
