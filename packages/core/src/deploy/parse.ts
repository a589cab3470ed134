import { type Document, isMap, isPair, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { DomainError } from "../errors";
import { semanticIssues } from "./checks";
import { type TAIDeployment, ZAIDeployment } from "./spec";

/** One problem in an aitk-deploy.yaml, located in the file (1-based line and column). */
export interface TSpecIssue {
  line: number;
  column: number;
  /** Dotted path into the spec, e.g. spec.targets.0.replicas ("" for the file itself). */
  path: string;
  message: string;
  severity: "error" | "warning";
}

export interface TSpecCheck {
  ok: boolean;
  spec?: TAIDeployment;
  errors: TSpecIssue[];
  warnings: TSpecIssue[];
}

type TPath = readonly PropertyKey[];

/** Parses and validates without throwing: every problem comes back with its line and column. */
/** A deployment spec is a page of YAML; anything this big is a mistake (or an attack on the parser). */
export const MAX_SPEC_BYTES = 1024 * 1024;

export function checkDeploymentYaml(text: string): TSpecCheck {
  if (text.length > MAX_SPEC_BYTES)
    return fail([
      {
        line: 1,
        column: 1,
        path: "",
        message: `the file is larger than ${MAX_SPEC_BYTES} bytes: not a deployment spec`,
        severity: "error",
      },
    ]);
  const lineCounter = new LineCounter();
  let doc: Document.Parsed;
  try {
    doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  } catch (e) {
    return fail([
      { line: 1, column: 1, path: "", message: `not YAML: ${(e as Error).message}`, severity: "error" },
    ]);
  }
  const at = (offset: number) => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  const yamlErrors = doc.errors.map<TSpecIssue>((e) => ({
    ...at(e.pos[0]),
    path: "",
    message: firstLine(e.message),
    severity: "error",
  }));
  if (yamlErrors.length > 0) return fail(yamlErrors);

  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return fail([{ line: 1, column: 1, path: "", message: (e as Error).message, severity: "error" }]);
  }
  if (data === null || data === undefined)
    return fail([
      {
        line: 1,
        column: 1,
        path: "",
        message: "the file is empty: expected an AIDeployment",
        severity: "error",
      },
    ]);

  const locate = (path: TPath, issue?: z.core.$ZodIssue): TSpecIssue => {
    const offset = offsetOf(doc, path, issue);
    return { ...at(offset), path: path.map(String).join("."), message: "", severity: "error" };
  };

  const parsed = ZAIDeployment.safeParse(data, { reportInput: true });
  if (!parsed.success) {
    const errors = expandUnions(parsed.error.issues).map((iss) => ({
      ...locate(iss.path, iss),
      message: describeIssue(iss),
    }));
    return fail(sortIssues(errors));
  }
  const semantic = semanticIssues(parsed.data);
  const errors: TSpecIssue[] = [];
  const warnings: TSpecIssue[] = [];
  for (const s of semantic) {
    const issue = { ...locate(s.path), message: s.message, severity: s.severity };
    (s.severity === "error" ? errors : warnings).push(issue);
  }
  return {
    ok: errors.length === 0,
    spec: parsed.data,
    errors: sortIssues(errors),
    warnings: sortIssues(warnings),
  };
}

/** Parses and validates; throws a VALIDATION DomainError carrying every issue (first one's position on top). */
export function parseDeploymentYaml(
  text: string,
  file = "aitk-deploy.yaml",
): { spec: TAIDeployment; warnings: TSpecIssue[] } {
  const r = checkDeploymentYaml(text);
  if (!r.ok || !r.spec) {
    const first = r.errors[0] ?? { line: 1, column: 1, path: "", message: "invalid deployment spec" };
    throw new DomainError("VALIDATION", formatIssues(file, r.errors), {
      field: first.path || undefined,
      position: { line: first.line, column: first.column },
      file,
      errors: r.errors,
    });
  }
  return { spec: r.spec, warnings: r.warnings };
}

/** `file:line:col: message`, one per line (compiler style, clickable in editors). */
export function formatIssues(file: string, issues: readonly TSpecIssue[]): string {
  return issues
    .map(
      (i) =>
        `${file}:${i.line}:${i.column}: ${i.severity === "warning" ? "warning: " : ""}${i.path ? `${i.path}: ` : ""}${i.message}`,
    )
    .join("\n");
}

function fail(errors: TSpecIssue[]): TSpecCheck {
  return { ok: false, errors, warnings: [] };
}

function firstLine(s: string): string {
  return (s.split("\n")[0] ?? s).trim();
}

function sortIssues(issues: TSpecIssue[]): TSpecIssue[] {
  return issues.sort((a, b) => a.line - b.line || a.column - b.column);
}

/**
 * A union (e.g. `strategy: blue-green` or `strategy: {type: …}`) fails as one opaque issue. When the
 * input has the shape of one branch, report that branch's own issues, with full paths, instead.
 */
function expandUnions(issues: readonly z.core.$ZodIssue[]): z.core.$ZodIssue[] {
  return issues.flatMap((iss) => {
    if (iss.code !== "invalid_union" || iss.errors.length === 0) return [iss];
    const objectInput = iss.input !== null && typeof iss.input === "object";
    // Drop branches that rejected the input's type outright (a string branch for an object input).
    const branches = iss.errors.filter(
      (b) => b.length > 0 && !b.some((e) => e.code === "invalid_type" && e.path.length === 0),
    );
    const best = [...branches].sort((a, b) => a.length - b.length)[0];
    if (!best || (!objectInput && branches.length > 1)) return [iss];
    return expandUnions(best.map((e) => ({ ...e, path: [...iss.path, ...e.path] }) as z.core.$ZodIssue));
  });
}

function describeIssue(iss: z.core.$ZodIssue): string {
  switch (iss.code) {
    case "unrecognized_keys":
      return `unknown field${iss.keys.length > 1 ? "s" : ""} ${iss.keys.map((k) => `"${k}"`).join(", ")}`;
    case "invalid_value": {
      if (iss.values.length === 1) return `expected ${JSON.stringify(iss.values[0])}`;
      const hint = typeof iss.input === "string" ? suggest(iss.input, iss.values.map(String)) : undefined;
      return `expected one of ${iss.values.map((v) => JSON.stringify(v)).join(", ")}${hint ? ` (did you mean "${hint}"?)` : ""}`;
    }
    case "invalid_type":
      return iss.input === undefined
        ? `missing required field (${iss.expected})`
        : `expected ${iss.expected}, got ${typeName(iss.input)}`;
    case "invalid_union":
      return "does not match any accepted form (a strategy name such as blue-green, or a {type: …} object)";
    case "too_small":
      if (iss.origin === "array")
        return `expected at least ${iss.minimum} item${Number(iss.minimum) === 1 ? "" : "s"}`;
      return iss.message;
    default:
      return iss.message;
  }
}

// Common spellings from other tools (the seed itself says "Kubernetes (k8s + K3s)").
const ALIASES: Record<string, string> = {
  k8s: "kubernetes",
  k3s: "kubernetes",
  kube: "kubernetes",
  compose: "docker-compose",
  "docker compose": "docker-compose",
  ecs: "aws-ecs",
  cloudrun: "cloud-run",
  "gcp-cloud-run": "cloud-run",
  aci: "azure-aci",
  llamacpp: "llama.cpp",
  "llama-cpp": "llama.cpp",
  "text-generation-inference": "tgi",
  bluegreen: "blue-green",
};

function suggest(input: string, choices: string[]): string | undefined {
  const k = input.toLowerCase();
  const alias = ALIASES[k];
  if (alias && choices.includes(alias)) return alias;
  let best: string | undefined;
  let bestD = Math.max(2, Math.floor(k.length / 3)) + 1;
  for (const c of choices) {
    const d = distance(k, c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return best;
}

function distance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return 99;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++)
      cur[j] = Math.min(
        (prev[j] ?? 0) + 1,
        (cur[j - 1] ?? 0) + 1,
        (prev[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1),
      );
    prev = cur;
  }
  return prev[b.length] ?? 99;
}

function typeName(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "a list";
  if (v instanceof Uint8Array) return "binary";
  if (typeof v === "object") return "a mapping";
  return `${typeof v} ${JSON.stringify(v)?.slice(0, 40)}`;
}

/**
 * Source offset for a zod path: the deepest YAML node that exists along it. Unknown keys point at
 * the key itself; missing keys point at the mapping that should hold them.
 */
function offsetOf(doc: Document.Parsed, path: TPath, issue?: z.core.$ZodIssue): number {
  let node: unknown = doc.contents;
  let offset = rangeStart(node) ?? 0;
  let resolved = true;
  for (const key of path) {
    const next = child(node, key);
    if (!next) {
      resolved = false;
      break;
    }
    node = next.value;
    // A scalar points at its value; a collection at the key that opens it (the line a reader looks at).
    offset = (isScalar(node) ? rangeStart(node) : undefined) ?? next.keyOffset ?? rangeStart(node) ?? offset;
  }
  if (resolved && issue?.code === "unrecognized_keys" && isMap(node)) {
    const unknown = issue.keys[0];
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === unknown);
    const ko = pair && rangeStart(pair.key);
    if (ko !== undefined) return ko;
  }
  return offset;
}

function child(node: unknown, key: PropertyKey): { value: unknown; keyOffset?: number } | undefined {
  if (isMap(node)) {
    const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(key));
    if (!pair) return undefined;
    return { value: pair.value, keyOffset: rangeStart(pair.key) };
  }
  if (isSeq(node) && typeof key === "number") {
    const item = node.items[key];
    return item === undefined ? undefined : { value: item };
  }
  return undefined;
}

function rangeStart(n: unknown): number | undefined {
  if (n && typeof n === "object" && "range" in n) {
    const r = (n as { range?: [number, number, number] | null }).range;
    if (r) return r[0];
  }
  return undefined;
}
