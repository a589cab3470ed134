// Merging for server-side apply and merge patches: maps merge recursively, lists are replaced
// (a simplification of strategic merge that is exact for manifests applied whole by one manager).

type TJson = unknown;
const isMap = (v: TJson): v is Record<string, TJson> => !!v && typeof v === "object" && !Array.isArray(v);

export function mergePatch(target: TJson, patch: TJson): TJson {
  if (!isMap(patch)) return structuredClone(patch);
  const out: Record<string, TJson> = isMap(target) ? { ...target } : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}

/** Leaf paths where `patch` sets a value different from `current` (for apply conflict reports). */
export function changedPaths(current: TJson, patch: TJson, path = ""): string[] {
  if (isMap(patch)) {
    if (!isMap(current)) return current === undefined ? [] : [path || "."];
    return Object.entries(patch).flatMap(([k, v]) => changedPaths(current[k], v, `${path}.${k}`));
  }
  if (current === undefined) return [];
  return JSON.stringify(current) === JSON.stringify(patch) ? [] : [path];
}
