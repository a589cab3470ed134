import { z } from "zod";
import { DomainError } from "../errors";
import {
  deviceIds,
  engineIds,
  findDevice,
  findEngine,
  findModel,
  findQuant,
  modelIds,
  quantIds,
} from "./catalog";

const known = (find: (id: string) => unknown, kind: string, ids: () => string[]) =>
  z
    .string({ error: `${kind} must be a string id` })
    .min(1, `${kind} is required`)
    .refine((id) => find(id) !== undefined, {
      error: (iss) => `unknown ${kind} "${String(iss.input)}". Valid ${kind} ids: ${ids().join(", ")}`,
    });

const posInt = (what: string, max: number) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(1, `${what} must be at least 1`)
    .max(max, `${what} must be at most ${max}`);
const tokens = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .int(`${what} must be a whole number`)
    .min(0, `${what} must be ≥ 0`)
    .max(10_000_000, `${what} must be at most 10,000,000`);

/** Changes to a catalog device ("what if it had 48 GB"); the result says what was simulated. */
export const ZDeviceOverrides = z
  .object({
    name: z.string().max(100).optional(),
    vramGB: z.number().positive("vramGB must be > 0").max(4096).optional(),
    memBwGBps: z.number().positive("memBwGBps must be > 0").optional(),
    fp16Tflops: z.number().positive("fp16Tflops must be > 0").optional(),
    fp8Tflops: z.number().positive("fp8Tflops must be > 0").optional(),
    tdpW: z.number().positive("tdpW must be > 0").optional(),
    computeCapability: z
      .string()
      .regex(/^\d+\.\d+$/, 'computeCapability looks like "9.0"')
      .optional(),
  })
  .strict();

export const ZKvDtype = z.enum(["auto", "fp16", "bf16", "fp8", "int8"], {
  error: 'kvDtype must be one of "auto", "fp16", "bf16", "fp8", "int8"',
});
export const ZPhase = z.enum(["prefill", "decode"], { error: 'phase must be "prefill" or "decode"' });

/** One scenario, as scripts and the web send it. Ids accept aliases and Hugging Face names. */
export const ZScenario = z
  .object({
    device: known(
      (id) => (id.toLowerCase() === "custom" ? true : findDevice(id)),
      "device",
      () => [...deviceIds(), "custom"],
    ),
    model: known(findModel, "model", modelIds),
    quant: known(findQuant, "quant", quantIds).optional(),
    engine: known(findEngine, "engine", engineIds).optional(),
    batch: posInt("batch", 65_536).default(1),
    promptTokens: tokens("promptTokens").default(512),
    contextTokens: tokens("contextTokens").optional(),
    outputTokens: tokens("outputTokens").default(128),
    phase: ZPhase.default("decode"),
    tp: posInt("tp", 64).default(1),
    count: posInt("count", 1024).optional(),
    gpuMemoryUtilization: z
      .number({ error: "gpuMemoryUtilization must be a number" })
      .gt(0, "gpuMemoryUtilization must be > 0")
      .max(1, "gpuMemoryUtilization must be ≤ 1")
      .optional(),
    kvDtype: ZKvDtype.default("auto"),
    maxModelLen: posInt("maxModelLen", 10_000_000).optional(),
    deviceOverrides: ZDeviceOverrides.optional(),
  })
  .strict()
  .refine(
    (s) =>
      s.device.toLowerCase() !== "custom" ||
      (s.deviceOverrides?.vramGB !== undefined &&
        s.deviceOverrides.memBwGBps !== undefined &&
        s.deviceOverrides.fp16Tflops !== undefined),
    {
      error:
        'device "custom" needs deviceOverrides.vramGB, memBwGBps and fp16Tflops (CLI: --vram, --bandwidth, --tflops)',
      path: ["deviceOverrides"],
    },
  )
  .refine((s) => s.count === undefined || s.count % s.tp === 0, {
    error: "count must be a multiple of tp (count / tp pipeline stages)",
    path: ["count"],
  });

export type TScenarioInput = z.input<typeof ZScenario>;
export type TScenario = z.output<typeof ZScenario>;

export const ZScenarioList = z.array(ZScenario).max(100_000, "at most 100,000 scenarios per call");

/** Axes a sweep varies; every combination is simulated. */
export const ZSweep = z
  .object({
    base: ZScenario,
    vary: z
      .object({
        device: z
          .array(known(findDevice, "device", deviceIds))
          .min(1)
          .optional(),
        batch: z.array(posInt("batch", 65_536)).min(1).optional(),
        contextTokens: z.array(tokens("contextTokens")).min(1).optional(),
        promptTokens: z.array(tokens("promptTokens")).min(1).optional(),
        quant: z
          .array(known(findQuant, "quant", quantIds))
          .min(1)
          .optional(),
        engine: z
          .array(known(findEngine, "engine", engineIds))
          .min(1)
          .optional(),
        tp: z.array(posInt("tp", 64)).min(1).optional(),
      })
      .strict()
      .default({}),
  })
  .strict();
export type TSweepInput = z.input<typeof ZSweep>;

const pathOf = (path: PropertyKey[]) =>
  path.reduce<string>(
    (acc, p) => (typeof p === "number" ? `${acc}[${p}]` : acc ? `${acc}.${String(p)}` : String(p)),
    "",
  );

/** Parse with a zod schema, or throw one VALIDATION DomainError naming every problem and its field. */
export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.output<T> {
  const r = schema.safeParse(input);
  if (r.success) return r.data;
  const issues = r.error.issues.slice(0, 20);
  const lines = issues.map((i) => `${pathOf(i.path) || what}: ${i.message}`);
  const first = issues[0];
  const choices = first?.message.includes("Valid ")
    ? first.message.split("ids: ")[1]?.split(", ")
    : undefined;
  throw new DomainError("VALIDATION", `invalid ${what}: ${lines.join("; ")}`, {
    field: first ? pathOf(first.path) : undefined,
    ...(choices ? { choices } : {}),
    issues: lines,
  });
}

const ZBound = z.enum(["memory", "compute", "overhead"]);

/** Shape of one result (for OpenAPI / response validation); mirrors TSimResult. */
export const ZSimResult = z.object({
  device: z.string(),
  model: z.string(),
  quant: z.string(),
  engine: z.string(),
  tp: z.number().int(),
  count: z.number().int(),
  batch: z.number().int(),
  phase: ZPhase,
  weightsBytes: z.number(),
  weightsBytesPerGpu: z.number(),
  kvBytesPerToken: z.number(),
  kvBytes: z.number(),
  activationBytes: z.number(),
  overheadBytes: z.number(),
  memoryBytesPerGpu: z.number(),
  usableBytesPerGpu: z.number(),
  kvCapacityTokens: z.number(),
  kvBlocks: z.number(),
  maxConcurrency: z.number(),
  fits: z.boolean(),
  oomReason: z.string().nullable(),
  prefillMs: z.number(),
  decodeMsPerStep: z.number(),
  ttftMs: z.number(),
  tokensPerS: z.number(),
  prefillTokensPerS: z.number(),
  decodeTokensPerS: z.number(),
  e2eMs: z.number(),
  powerW: z.number(),
  prefillPowerW: z.number(),
  decodePowerW: z.number(),
  energyPerTokenJ: z.number(),
  bound: z.object({ prefill: ZBound, decode: ZBound }),
  params: z.object({
    source: z.string(),
    etaBw: z.number(),
    etaF: z.number(),
    calibratedOn: z.array(z.string()),
  }),
  warnings: z.array(z.string()),
});
