// The resolver's result and options: what the generator, SBOM, CLI and worker read.
import type { TModelRef, TPos } from "./ast";
import type { TWeightFormat } from "./engines";
import type { TTarget } from "./targets";
import type { TEngineName, TOptimize, TQuantize } from "./vocabulary";

export interface TResolveOptions {
  /** `--cuda 12.4`: CUDA major.minor (or full x.y.z) the torch wheels / base image must use. */
  cuda?: string;
  /** `--quantize`: overrides QUANTIZE. */
  quantize?: TQuantize;
  optimize?: TOptimize;
  /** Accept engine/format pairs the data marks experimental (vLLM + GGUF). */
  allowExperimental?: boolean;
}

export interface TDecision {
  topic: string;
  choice: string;
  why: string;
}

export interface TRequirement {
  name: string;
  version: string;
  why: string;
}

export interface TClash {
  /** What the user asked for, e.g. `--cuda 11.8` or `ENGINE vllm`. */
  constraint: string;
  /** What it collides with. */
  reason: string;
  position?: TPos;
}

export type TBuildKind = "pip" | "pip-rocm" | "llama.cpp" | "engine-image" | "none";

export interface TResolution {
  schema: "aitk.resolution/v1";
  target: TTarget;
  engine: { name: TEngineName; version: string | null; why: string };
  quantize: { value: TQuantize; format: TWeightFormat; why: string };
  model: TModelRef & { pathInImage: string };
  accelerator: {
    kind: "cuda" | "rocm" | "jetpack" | "cpu";
    version: string | null;
    cudnn: string | null;
    why: string;
  };
  torch: { version: string; variant: string; index: string | null; why: string } | null;
  python: { version: string; why: string } | null;
  images: { build: string | null; runtime: string; verified: boolean; why: string };
  driver: { minimum: string; recommended: string; why: string } | null;
  buildKind: TBuildKind;
  /** CMake/compile flags for engines built from source. */
  compile: Record<string, string>;
  requirements: TRequirement[];
  extraIndexUrls: string[];
  osPackages: { build: string[]; runtime: string[] };
  serve: { command: string[]; port: number; healthcheck: string[]; env: Record<string, string> };
  observability: { backends: string[]; env: Record<string, string> };
  optimize: TOptimize;
  autoReq: boolean;
  localBase: boolean;
  decisions: TDecision[];
  warnings: string[];
}
