// /api/v1 operations of Simulate (registered in routes.ts' allRoutes).
import { z } from "zod";
import * as simulate from "../services/simulate";
import { defineRoute } from "./handler";
import { ZIdParams, ZPage } from "./schemas";

const ZScenarioDoc = z.toJSONSchema(simulate.ZRunSimulation, { io: "input", unrepresentable: "any" }) as {
  properties?: { scenarios?: { items?: unknown } };
};

/** Full simulator result (see packages/core/src/simulate/README.md); documented loosely. */
const ZSimResult = z.looseObject({
  device: z.string(),
  model: z.string(),
  quant: z.string(),
  engine: z.string(),
  weightsBytes: z.number(),
  kvBytes: z.number(),
  kvCapacityTokens: z.number(),
  maxConcurrency: z.number(),
  fits: z.boolean(),
  oomReason: z.string().nullable(),
  prefillMs: z.number(),
  decodeMsPerStep: z.number(),
  ttftMs: z.number(),
  tokensPerS: z.number(),
  powerW: z.number(),
  energyPerTokenJ: z.number(),
  bound: z.object({ prefill: z.string(), decode: z.string() }),
  warnings: z.array(z.string()),
});

const scenarioSchema = ZScenarioDoc.properties?.scenarios?.items ?? { type: "object" };

export const runSimulation = defineRoute({
  method: "POST",
  path: "/simulate",
  operationId: "simulate",
  summary:
    "Simulate one scenario (object → result) or many (array → results in the same order, ≤ 10,000), inline",
  tag: "simulate",
  minRole: "member",
  // Validated by the service so errors name the entry (`[3].device`) and list valid ids.
  body: z.unknown().meta({
    description:
      "A scenario `{ device, model, quant, engine, batch, promptTokens, contextTokens, phase, tp }` or an array of them (the CLI's --input format).",
    oneOf: [scenarioSchema, { type: "array", items: scenarioSchema, minItems: 1, maxItems: 10_000 }],
  }),
  response: z.union([ZSimResult, z.array(ZSimResult)]),
  handler: async (_ctx, { body }) =>
    simulate.simulateBody(body) as unknown as z.input<typeof ZSimResult> | z.input<typeof ZSimResult>[],
});

export const startSimulation = defineRoute({
  method: "POST",
  path: "/simulations",
  operationId: "startSimulationSweep",
  summary: "Start a big sweep (every combination of `vary` over `base`, ≤ 20,000) as a simulate.sweep job",
  tag: "simulate",
  minRole: "member",
  body: simulate.ZStartSweep,
  response: simulate.ZSimulation,
  status: 202,
  handler: (ctx, { body }) => simulate.startSweep(ctx, body),
});

export const listSimulations = defineRoute({
  method: "GET",
  path: "/simulations",
  operationId: "listSimulations",
  summary: "Stored sweeps of the organization, newest first (without their points)",
  tag: "simulate",
  minRole: "viewer",
  query: simulate.ZListSimulations,
  response: ZPage(simulate.ZSimulation),
  handler: (ctx, { query }) => simulate.listSimulations(ctx, query),
});

export const getSimulation = defineRoute({
  method: "GET",
  path: "/simulations/{id}",
  operationId: "getSimulation",
  summary: "One stored sweep: status, job, and its points once completed",
  tag: "simulate",
  minRole: "viewer",
  params: ZIdParams,
  response: simulate.ZSimulation,
  handler: (ctx, { params }) => simulate.getSimulation(ctx, params.id),
});

export const simulateRoutes = [runSimulation, startSimulation, listSimulations, getSimulation];
