import { DomainError } from "../errors";
import { ENGINES } from "./catalog-engines";
import { MODELS } from "./catalog-models";
import { QUANTS } from "./catalog-quants";
import devicesData from "./data/devices.json";
import type { TDevice, TEngine, TModel, TQuant } from "./types";

/** Devices as shipped (derived from shared/data/devices.json by scripts/simulate-refresh-data.ts). */
export const DEVICES: readonly TDevice[] = devicesData.devices as TDevice[];

export interface TCatalogEntry {
  id: string;
  name: string;
  aliases: string[];
}

// Lookups are case-insensitive and ignore "_" vs "-" and spaces, so "NVIDIA_H100", "nvidia h100" resolve too.
const norm = (s: string) =>
  s
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, "-");

function index<T extends { id: string; aliases: string[] }>(items: readonly T[], extra?: (t: T) => string[]) {
  const map = new Map<string, T>();
  for (const it of items) {
    for (const key of [it.id, ...it.aliases, ...(extra ? extra(it) : [])]) map.set(norm(key), it);
  }
  return map;
}

const deviceIdx = index(DEVICES);
const modelIdx = index(MODELS, (m) => [...m.hfIds, ...m.hfIds.map((h) => h.split("/")[1] ?? h)]);
const quantIdx = index(QUANTS);
const engineIdx = index(ENGINES);

function lookup<T>(map: Map<string, T>, kind: string, field: string, id: string, ids: () => string[]): T {
  const hit = map.get(norm(id));
  if (hit) return hit;
  const choices = ids();
  throw new DomainError("VALIDATION", `unknown ${kind} "${id}". Valid ${kind} ids: ${choices.join(", ")}`, {
    field,
    choices,
  });
}

export const deviceIds = () => DEVICES.map((d) => d.id);
export const modelIds = () => MODELS.map((m) => m.id);
export const quantIds = () => QUANTS.map((q) => q.id);
export const engineIds = () => ENGINES.map((e) => e.id);

export const findDevice = (id: string): TDevice | undefined => deviceIdx.get(norm(id));
export const findModel = (id: string): TModel | undefined => modelIdx.get(norm(id));
export const findQuant = (id: string): TQuant | undefined => quantIdx.get(norm(id));
export const findEngine = (id: string): TEngine | undefined => engineIdx.get(norm(id));

export const resolveDevice = (id: string, field = "device") =>
  lookup(deviceIdx, "device", field, id, deviceIds);
export const resolveModel = (id: string, field = "model") => lookup(modelIdx, "model", field, id, modelIds);
export const resolveQuant = (id: string, field = "quant") => lookup(quantIdx, "quant", field, id, quantIds);
export const resolveEngine = (id: string, field = "engine") =>
  lookup(engineIdx, "engine", field, id, engineIds);

const entry = (x: { id: string; name: string; aliases: string[] }): TCatalogEntry => ({
  id: x.id,
  name: x.name,
  aliases: x.aliases,
});

/** Catalog listings for pickers (web) and `aitk simulate --list`. */
export const listDevices = () =>
  DEVICES.map((d) => ({
    ...entry(d),
    vendor: d.vendor,
    family: d.family,
    memoryGB: d.memoryGB,
    memBwGBps: d.memBwGBps,
    fp16Tflops: d.tflops.fp16,
    tdpW: d.tdpW,
  }));
export const listModels = () =>
  MODELS.map((m) => ({
    ...entry(m),
    aliases: [...m.aliases, ...m.hfIds],
    layers: m.layers,
    note: m.note ?? null,
  }));
export const listQuants = () => QUANTS.map((q) => ({ ...entry(q), format: q.format }));
export const listEngines = () => ENGINES.map((e) => ({ ...entry(e), families: e.families }));
