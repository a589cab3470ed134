// Flat before/after comparison of two JSON values for the Audit page: one row per leaf path.
export type TDiffRow = {
  path: string;
  kind: "added" | "removed" | "changed" | "same";
  before?: unknown;
  after?: unknown;
};

const isObj = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

function flatten(v: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isObj(v) && Object.keys(v).length > 0) {
    for (const [k, x] of Object.entries(v)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else out.set(prefix || "(value)", v);
}

export function diffJson(before: unknown, after: unknown): TDiffRow[] {
  const b = new Map<string, unknown>();
  const a = new Map<string, unknown>();
  if (before !== null && before !== undefined) flatten(before, "", b);
  if (after !== null && after !== undefined) flatten(after, "", a);
  const paths = [...new Set([...b.keys(), ...a.keys()])].sort();
  return paths.map((path) => {
    const inB = b.has(path);
    const inA = a.has(path);
    if (inB && !inA) return { path, kind: "removed", before: b.get(path) };
    if (!inB && inA) return { path, kind: "added", after: a.get(path) };
    const same = JSON.stringify(b.get(path)) === JSON.stringify(a.get(path));
    return { path, kind: same ? "same" : "changed", before: b.get(path), after: a.get(path) };
  });
}
