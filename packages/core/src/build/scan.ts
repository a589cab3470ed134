import snapshot from "./data/advisories.osv.json";
import type { TOsPackage, TPyPackage } from "./inventory";
import { licenceFinding, modelLicence, type TLicenceFinding } from "./licence";
import {
  loadAdvisories,
  matchAdvisories,
  type TInventoryItem,
  type TOsvAdvisory,
  type TSeverity,
  type TVulnFinding,
} from "./osv";
import type { TResolution } from "./resolve";

export const SHIPPED_ADVISORIES: TOsvAdvisory[] = loadAdvisories(snapshot);
export const SHIPPED_ADVISORIES_SOURCE = "aitk snapshot packages/core/src/build/data/advisories.osv.json";

export interface TScanInput {
  resolution: TResolution;
  advisories?: TOsvAdvisory[];
  advisoriesSource?: string;
  osPackages?: TOsPackage[];
  osEcosystem?: string;
  pythonPackages?: TPyPackage[];
}

export interface TScanResult {
  advisories: { source: string; count: number };
  /** What was matched: pinned requirements before a build, the image's real packages after. */
  inventory: "requirements" | "image";
  vulnerabilities: TVulnFinding[];
  licences: TLicenceFinding[];
  summary: Record<TSeverity, number> & { licenceReview: number; licenceUnknown: number };
}

export function scanResolution(input: TScanInput): TScanResult {
  const r = input.resolution;
  const advisories = input.advisories ?? SHIPPED_ADVISORIES;
  const inventory: TInventoryItem[] = [];
  const py = input.pythonPackages ?? r.requirements.map((q) => ({ name: q.name, version: q.version }));
  for (const p of py)
    inventory.push({
      ecosystem: "PyPI",
      name: p.name,
      version: p.version,
      bomRef: `pypi:${p.name.toLowerCase()}`,
    });
  if (input.osPackages && input.osEcosystem) {
    for (const p of input.osPackages) {
      inventory.push({
        ecosystem: input.osEcosystem,
        name: p.source ?? p.name,
        version: p.version,
        bomRef: `deb:${p.name}`,
      });
    }
  }
  const vulnerabilities = matchAdvisories(inventory, advisories);
  const licences: TLicenceFinding[] = [
    licenceFinding(r.model.ref, "model", modelLicence(r.model.ref, r.model.license)),
  ];
  for (const p of input.pythonPackages ?? []) {
    licences.push(
      licenceFinding(
        p.name,
        "python",
        p.license ? { id: p.license, name: p.license, source: "package-metadata" } : null,
      ),
    );
  }
  const summary = {
    critical: 0,
    high: 0,
    medium: 0,
    low: 0,
    unknown: 0,
    licenceReview: 0,
    licenceUnknown: 0,
  };
  for (const v of vulnerabilities) summary[v.severity]++;
  for (const l of licences) {
    if (l.status === "review") summary.licenceReview++;
    if (l.status === "unknown" && l.kind === "model") summary.licenceUnknown++;
  }
  return {
    advisories: { source: input.advisoriesSource ?? SHIPPED_ADVISORIES_SOURCE, count: advisories.length },
    inventory: input.pythonPackages || input.osPackages ? "image" : "requirements",
    vulnerabilities,
    licences,
    summary,
  };
}
