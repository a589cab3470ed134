// One call from Dockerfile.ai text to everything a dry run shows: resolution, Dockerfile,
// requirements.txt, SBOM and scan. Used by `aitk build --dry-run` and by the build worker.
import type { TDiagnostic } from "./ast";
import { generateBuild } from "./generate";
import type { TOsvAdvisory } from "./osv";
import { parseDockerfileAi, parseDockerfileAiOrThrow } from "./parse";
import { resolveDockerfileAi, type TResolution, type TResolveOptions } from "./resolve";
import { buildSbom } from "./sbom";
import { scanResolution, type TScanResult } from "./scan";

export interface TPlanOptions extends TResolveOptions {
  file?: string;
  image?: string;
  advisories?: TOsvAdvisory[];
  advisoriesSource?: string;
}

export interface TBuildPlan {
  resolution: TResolution;
  dockerfile: string;
  requirements: string;
  sbom: Record<string, unknown>;
  scan: TScanResult;
  /** Parser warnings (errors throw). */
  diagnostics: TDiagnostic[];
}

export function planBuild(text: string, opts: TPlanOptions = {}): TBuildPlan {
  const doc = parseDockerfileAiOrThrow(text, opts.file);
  const diagnostics = parseDockerfileAi(text).diagnostics.filter((d) => d.severity === "warning");
  const resolution = resolveDockerfileAi(doc, opts);
  const { dockerfile, requirements } = generateBuild(doc, resolution);
  const scan = scanResolution({
    resolution,
    ...(opts.advisories ? { advisories: opts.advisories } : {}),
    ...(opts.advisoriesSource ? { advisoriesSource: opts.advisoriesSource } : {}),
  });
  const sbom = buildSbom({
    resolution,
    ...(opts.image ? { image: opts.image } : {}),
    vulnerabilities: scan.vulnerabilities,
  });
  return { resolution, dockerfile, requirements, sbom, scan, diagnostics };
}
