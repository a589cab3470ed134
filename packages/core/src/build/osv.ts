// Match an inventory (PyPI / Debian / Ubuntu packages) against OSV advisories, following the OSV
// schema's evaluation: a version is affected if it is listed in `versions` or falls in any range.
import { compareDpkg } from "./dpkg";
import { comparePep440Parsed, normalizePypiName, parsePep440 } from "./pep440";

export type TOsvEvent =
  | { introduced: string }
  | { fixed: string }
  | { last_affected: string }
  | { limit: string };

export interface TOsvAdvisory {
  id: string;
  modified: string;
  withdrawn?: string;
  aliases?: string[];
  summary?: string;
  details?: string;
  severity?: { type: string; score: string }[];
  affected?: {
    package?: { ecosystem: string; name: string; purl?: string };
    ranges?: { type: string; events: TOsvEvent[] }[];
    versions?: string[];
  }[];
  references?: { type: string; url: string }[];
  database_specific?: { severity?: string; [k: string]: unknown };
}

export interface TInventoryItem {
  /** `PyPI`, `Debian:12`, `Ubuntu:22.04`… */
  ecosystem: string;
  name: string;
  version: string;
  /** CycloneDX bom-ref of the component, so findings can point back at it. */
  bomRef?: string;
}

export type TSeverity = "critical" | "high" | "medium" | "low" | "unknown";

export interface TVulnFinding {
  id: string;
  aliases: string[];
  summary: string;
  ecosystem: string;
  package: string;
  version: string;
  /** Lowest fixed version above the installed one, when the advisory names one. */
  fixedIn: string | null;
  severity: TSeverity;
  url: string | null;
  bomRef?: string;
}

type TCmp = (a: string, b: string) => number;

function pep440Cmp(a: string, b: string): number {
  const pa = parsePep440(a);
  const pb = parsePep440(b);
  if (!pa || !pb) return a === b ? 0 : a < b ? -1 : 1;
  // OSV compares public versions: 2.4.0+cu121 is 2.4.0.
  return comparePep440Parsed(pa, pb, true);
}

function comparatorFor(ecosystem: string): TCmp | null {
  const base = ecosystem.split(":")[0];
  if (base === "PyPI") return pep440Cmp;
  if (base === "Debian" || base === "Ubuntu") return compareDpkg;
  return null;
}

function normName(ecosystem: string, name: string): string {
  return ecosystem.startsWith("PyPI") ? normalizePypiName(name) : name;
}

/** `Debian` matches `Debian:12`; `Debian:12` matches only `Debian:12`. */
function ecosystemMatches(advisory: string, item: string): boolean {
  if (advisory === item) return true;
  const [a, aRel] = advisory.split(":");
  const [i] = item.split(":");
  return a === i && !aRel;
}

const eventVersion = (e: TOsvEvent): string => Object.values(e)[0] as string;

/** OSV IsVulnerable for one ECOSYSTEM/SEMVER range. */
export function inRange(version: string, events: TOsvEvent[], cmp: TCmp): boolean {
  const limits = events.filter((e) => "limit" in e).map(eventVersion);
  if (limits.length && limits.every((l) => cmp(version, l) >= 0)) return false;
  const sorted = events
    .filter((e) => !("limit" in e))
    .slice()
    .sort((a, b) => {
      const va = eventVersion(a);
      const vb = eventVersion(b);
      if ("introduced" in a && va === "0") return -1;
      if ("introduced" in b && vb === "0") return 1;
      return cmp(va, vb);
    });
  let affected = false;
  for (const e of sorted) {
    if ("introduced" in e) {
      if (e.introduced === "0" || cmp(version, e.introduced) >= 0) affected = true;
    } else if ("fixed" in e) {
      if (cmp(version, e.fixed) >= 0) affected = false;
    } else if ("last_affected" in e) {
      if (cmp(version, e.last_affected) > 0) affected = false;
    }
  }
  return affected;
}

function severityOf(a: TOsvAdvisory): TSeverity {
  const s = String(a.database_specific?.severity ?? "").toLowerCase();
  if (s === "critical" || s === "high" || s === "low") return s;
  if (s === "moderate" || s === "medium") return "medium";
  return "unknown";
}

const SEVERITY_RANK: Record<TSeverity, number> = { critical: 4, high: 3, medium: 2, low: 1, unknown: 0 };

/** Every (advisory, package) pair where the installed version is affected. Sorted, deduplicated by alias. */
export function matchAdvisories(inventory: TInventoryItem[], advisories: TOsvAdvisory[]): TVulnFinding[] {
  const findings: TVulnFinding[] = [];
  for (const item of inventory) {
    const cmp = comparatorFor(item.ecosystem);
    if (!cmp) continue;
    const name = normName(item.ecosystem, item.name);
    for (const adv of advisories) {
      if (adv.withdrawn) continue;
      for (const aff of adv.affected ?? []) {
        const pkg = aff.package;
        if (
          !pkg ||
          !ecosystemMatches(pkg.ecosystem, item.ecosystem) ||
          normName(pkg.ecosystem, pkg.name) !== name
        )
          continue;
        const listed = (aff.versions ?? []).some((v) => cmp(v, item.version) === 0);
        const ranged = (aff.ranges ?? []).some(
          (r) => r.type !== "GIT" && inRange(item.version, r.events, cmp),
        );
        if (!listed && !ranged) continue;
        const fixes = (aff.ranges ?? [])
          .flatMap((r) => r.events)
          .filter((e): e is { fixed: string } => "fixed" in e)
          .map((e) => e.fixed)
          .filter((f) => cmp(f, item.version) > 0)
          .sort(cmp);
        findings.push({
          id: adv.id,
          aliases: adv.aliases ?? [],
          summary: adv.summary ?? "",
          ecosystem: item.ecosystem,
          package: item.name,
          version: item.version,
          fixedIn: fixes[0] ?? null,
          severity: severityOf(adv),
          url: adv.references?.find((r) => r.type === "ADVISORY")?.url ?? adv.references?.[0]?.url ?? null,
          ...(item.bomRef ? { bomRef: item.bomRef } : {}),
        });
        break;
      }
    }
  }
  // The same CVE can come as GHSA and PYSEC records: keep one per (package, alias set).
  const seen = new Set<string>();
  const out: TVulnFinding[] = [];
  for (const f of findings) {
    const keys = [f.id, ...f.aliases].map((k) => `${f.ecosystem}|${f.package}|${k}`);
    if (keys.some((k) => seen.has(k))) continue;
    for (const k of keys) seen.add(k);
    out.push(f);
  }
  return out.sort(
    (a, b) =>
      SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] ||
      (a.package < b.package ? -1 : a.package > b.package ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}

/** Accepts an OSV JSON array, one advisory, or `{advisories: [...]}` (the shipped snapshot). */
export function loadAdvisories(json: unknown): TOsvAdvisory[] {
  const list = Array.isArray(json)
    ? json
    : json && typeof json === "object" && "advisories" in json
      ? (json as { advisories: unknown }).advisories
      : [json];
  if (!Array.isArray(list)) return [];
  return list.filter(
    (a): a is TOsvAdvisory => !!a && typeof a === "object" && typeof (a as TOsvAdvisory).id === "string",
  );
}
