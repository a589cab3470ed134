import { DomainError } from "../errors";
import type { TDockerfileAi } from "./ast";
import { defaultEngine, engineRunsOn, formatOf, quantSupport } from "./engines";
import { Clash, dedupe, hfModelPath, observability, type TCtx } from "./plan-common";
import { planCustom, planOnnx, planTgi, planTrtllm } from "./plan-images";
import { planLlamaCpp } from "./plan-llamacpp";
import { serveFor } from "./plan-serve";
import { planVllm } from "./plan-vllm";
import type { TBuildKind, TClash, TDecision, TResolution, TResolveOptions } from "./resolution";
import { TARGETS } from "./targets";
import { ENGINE_NAMES, type TEngineName, type TQuantize } from "./vocabulary";

export * from "./resolution";
export { HELPER_PINS, LLAMA_CPP_DEFAULT } from "./plan-common";

function resolveCore(doc: TDockerfileAi, opts: TResolveOptions): TResolution {
  const decisions: TDecision[] = [];
  const warnings: string[] = [];
  const pos = (d: keyof TDockerfileAi["positions"]) => doc.positions[d];
  if (!doc.model || !doc.from) {
    // A plain Dockerfile that downloads its model in a RUN step: point at the MODEL line it needs.
    const hinted = doc.instructions
      .map((i) => /--model[= ]+([A-Za-z0-9][\w.-]*\/[\w.-]+)/.exec(i.args.join(" "))?.[1])
      .find(Boolean);
    throw new Clash([
      {
        constraint: "Dockerfile.ai",
        reason: `${doc.from ? "MODEL" : "FROM"} is required to resolve a build${!doc.model ? ` (add MODEL ${hinted ?? "org/name"})` : ""}`,
        position: { line: 1, column: 1 },
      },
    ]);
  }
  const targetName = doc.target?.name ?? "cpu";
  const target = TARGETS[targetName];
  decisions.push({
    topic: "target",
    choice: target.name,
    why: doc.target
      ? `TARGET ${target.name}: ${target.label}${target.cc ? `, compute capability ${target.cc}` : ""}${target.gfx ? `, ${target.gfx}` : ""}, ${target.platform}`
      : "no TARGET: building a CPU image",
  });

  let quant: TQuantize = doc.quantize ?? "none";
  let quantWhy = doc.quantize ? `QUANTIZE ${doc.quantize}` : "no QUANTIZE: weights as published";
  if (opts.quantize) {
    quantWhy =
      doc.quantize && doc.quantize !== opts.quantize
        ? `--quantize ${opts.quantize} overrides QUANTIZE ${doc.quantize}`
        : `--quantize ${opts.quantize}`;
    quant = opts.quantize;
  }
  const format = formatOf(quant);
  decisions.push({ topic: "quantize", choice: quant, why: `${quantWhy} (${format})` });

  let engine: TEngineName;
  let engineWhy: string;
  if (doc.engine) {
    engine = doc.engine.name;
    engineWhy = `ENGINE ${engine}`;
  } else {
    const d = defaultEngine(target, quant);
    engine = d.engine;
    engineWhy = `no ENGINE: ${d.why}`;
  }
  decisions.push({ topic: "engine", choice: engine, why: engineWhy });

  const runs = engineRunsOn(engine, target);
  if (runs.level !== "yes") {
    throw new Clash([
      {
        constraint: `ENGINE ${engine} + TARGET ${target.name}`,
        reason: runs.reason,
        position: pos("ENGINE") ?? pos("TARGET"),
      },
    ]);
  }
  const qs = quantSupport(engine, quant, target);
  if (qs.level === "no") {
    throw new Clash([
      {
        constraint: `ENGINE ${engine} + QUANTIZE ${quant}`,
        reason: qs.reason,
        position: pos("QUANTIZE") ?? pos("ENGINE"),
      },
    ]);
  }
  if (qs.level === "experimental") {
    if (!opts.allowExperimental) {
      throw new Clash([
        {
          constraint: `ENGINE ${engine} + QUANTIZE ${quant}`,
          reason: `${qs.reason}; pass --allow-experimental to build it anyway`,
          position: pos("QUANTIZE") ?? pos("ENGINE"),
        },
      ]);
    }
    warnings.push(`experimental: ${qs.reason}`);
  }
  if (target.platform === "linux/arm64") {
    warnings.push(
      "linux/arm64 image: build it on an arm64 Docker host (Jetson, Apple silicon, Graviton) or one with QEMU binfmt; an amd64 host cannot run its RUN steps",
    );
  }
  const optimize = opts.optimize ?? "balanced";
  const localBase = !doc.from.auto;
  const ctx: TCtx = { doc, opts, target, quant, engine, optimize, decisions, warnings, pos };

  const planners: Record<TEngineName, (c: TCtx) => Partial<TResolution>> = {
    vllm: planVllm,
    "llama.cpp": planLlamaCpp,
    tgi: planTgi,
    "tensorrt-llm": planTrtllm,
    onnxruntime: planOnnx,
    mlx: () => {
      throw new Clash([{ constraint: "ENGINE mlx", reason: "MLX cannot run in a Linux container" }]);
    },
    custom: planCustom,
  };
  const plan = planners[engine](ctx);
  const model = doc.model;
  const modelPath = model.source === "local" ? `/models/${model.name}` : hfModelPath(ctx);
  const obs = observability(ctx);

  let images = plan.images as TResolution["images"];
  if (localBase) {
    images = {
      build: plan.buildKind === "none" ? null : doc.from.image,
      runtime: doc.from.image,
      verified: false,
      why: `FROM ${doc.from.image}: your image is used as-is for ${plan.buildKind === "none" ? "the runtime" : "build and runtime"}; aitk cannot check the CUDA/Python inside it`,
    };
    warnings.push(
      `FROM ${doc.from.image} replaces aitk's base image choice (${(plan.images as TResolution["images"]).runtime})`,
    );
  }
  const requirements = [...(plan.requirements ?? []), ...obs.packages];
  if (!doc.autoReq) {
    if (plan.buildKind === "pip" || plan.buildKind === "pip-rocm")
      warnings.push(
        "AUTO_REQ false: no requirements.txt is installed; your FROM image must already contain the engine",
      );
  }
  const buildKind: TBuildKind =
    !doc.autoReq && (plan.buildKind === "pip" || plan.buildKind === "pip-rocm")
      ? "none"
      : (plan.buildKind as TBuildKind);

  const res: TResolution = {
    schema: "aitk.resolution/v1",
    target,
    engine: plan.engine as TResolution["engine"],
    quantize: { value: quant, format, why: quantWhy },
    model: { ...model, pathInImage: modelPath },
    accelerator: plan.accelerator as TResolution["accelerator"],
    torch: plan.torch ?? null,
    python: plan.python ?? null,
    images,
    driver: plan.driver ?? null,
    buildKind,
    compile: plan.compile ?? {},
    requirements: doc.autoReq ? requirements : [],
    extraIndexUrls: doc.autoReq ? (plan.extraIndexUrls ?? []) : [],
    osPackages: plan.osPackages ?? { build: [], runtime: [] },
    serve: serveFor(ctx, modelPath),
    observability: { backends: obs.backends, env: obs.env },
    optimize,
    autoReq: doc.autoReq,
    localBase,
    decisions,
    warnings,
  };
  decisions.push({
    topic: "engine-version",
    choice: `${res.engine.name}${res.engine.version ? ` ${res.engine.version}` : ""}`,
    why: res.engine.why,
  });
  if (res.torch) decisions.push({ topic: "torch", choice: res.torch.version, why: res.torch.why });
  decisions.push({
    topic: "accelerator",
    choice: `${res.accelerator.kind}${res.accelerator.version ? ` ${res.accelerator.version}` : ""}`,
    why: res.accelerator.why,
  });
  if (res.python) decisions.push({ topic: "python", choice: res.python.version, why: res.python.why });
  decisions.push({
    topic: "base-image",
    choice: `${res.images.build ?? "-"} → ${res.images.runtime}`,
    why: res.images.why,
  });
  if (res.driver)
    decisions.push({
      topic: "driver",
      choice: `≥ ${res.driver.minimum} (recommended ${res.driver.recommended})`,
      why: res.driver.why,
    });
  decisions.push({
    topic: "model",
    choice: modelPath,
    why:
      model.source === "local"
        ? `MODEL ${model.ref}: copied from the build context into its own layer`
        : `MODEL ${model.ref}: downloaded at build time into its own layer${format === "gguf" ? `, converted to GGUF and quantized to ${quant}` : ""}`,
  });
  return res;
}

/** Alternatives tried when resolution fails, to say what would fix it. */
function fixesFor(doc: TDockerfileAi, opts: TResolveOptions, clashes: TClash[]): string[] {
  const fixes: string[] = [];
  const attempt = (d: TDockerfileAi, o: TResolveOptions, label: (r: TResolution) => string) => {
    try {
      fixes.push(label(resolveCore(d, o)));
    } catch (e) {
      if (!(e instanceof Clash)) throw e;
    }
  };
  const describe = (r: TResolution) =>
    `${r.engine.name}${r.engine.version ? ` ${r.engine.version}` : ""}${r.torch ? `, torch ${r.torch.version}` : ""}${r.accelerator.version ? `, ${r.accelerator.kind} ${r.accelerator.version}` : ""}`;
  if (opts.cuda)
    attempt(
      doc,
      { ...opts, cuda: undefined },
      (r) => `drop --cuda ${opts.cuda} (resolves to ${describe(r)})`,
    );
  if (doc.engine?.version)
    attempt(
      { ...doc, engine: { name: doc.engine.name } },
      opts,
      (r) => `unpin the engine version: ENGINE ${doc.engine?.name} (resolves to ${describe(r)})`,
    );
  if (doc.target?.driver)
    attempt(
      { ...doc, target: { name: doc.target.name } },
      opts,
      (r) => `upgrade the host driver to ≥ ${r.driver?.minimum ?? "?"} (then: ${describe(r)})`,
    );
  if (clashes.some((c) => c.reason.includes("--allow-experimental")) && !opts.allowExperimental) {
    attempt(
      doc,
      { ...opts, allowExperimental: true },
      (r) => `pass --allow-experimental (builds ${describe(r)})`,
    );
  }
  for (const e of ENGINE_NAMES) {
    if (e === doc.engine?.name || e === "custom") continue;
    attempt(
      { ...doc, engine: { name: e } },
      { ...opts, allowExperimental: false },
      (r) => `ENGINE ${e} (resolves to ${describe(r)})`,
    );
  }
  const q = opts.quantize ?? doc.quantize;
  if (q && q !== "none") {
    for (const alt of ["fp8", "awq", "q4_k_m", "none"] as TQuantize[]) {
      if (alt === q) continue;
      attempt(
        { ...doc, quantize: alt },
        { ...opts, quantize: undefined, allowExperimental: false },
        (r) => `QUANTIZE ${alt} (resolves to ${describe(r)})`,
      );
    }
  }
  return dedupe(fixes).slice(0, 6);
}

/**
 * Resolve a parsed Dockerfile.ai into a full build plan. Throws DomainError VALIDATION when no
 * combination fits, with `details.clashes` (which constraints collide) and `details.fixes`.
 */
export function resolveDockerfileAi(doc: TDockerfileAi, opts: TResolveOptions = {}): TResolution {
  try {
    return resolveCore(doc, opts);
  } catch (e) {
    if (!(e instanceof Clash)) throw e;
    const fixes = fixesFor(doc, opts, e.clashes);
    const first = e.clashes[0];
    const shown = e.clashes.slice(0, 3).map((c) => `${c.constraint} — ${c.reason}`);
    if (e.clashes.length > 3) shown.push(`(+${e.clashes.length - 3} more in details.clashes)`);
    const msg = `no image fits: ${shown.join("; ")}${fixes.length ? `. Fix: ${fixes.join("; or ")}` : ""}`;
    throw new DomainError("VALIDATION", msg, {
      field: "dockerfileAi",
      ...(first?.position ? { position: first.position } : {}),
      clashes: e.clashes,
      fixes,
    });
  }
}
