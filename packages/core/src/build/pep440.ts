// PEP 440 version parsing, ordering and specifier matching. Owned here (not a dependency) because the
// OSV matcher and the resolver both need exact PyPI semantics, including local labels (`2.4.0+cu121`).

export interface TPep440 {
  epoch: number;
  release: number[];
  pre: [string, number] | null; // a | b | rc
  post: number | null;
  dev: number | null;
  local: (string | number)[] | null;
}

const RE =
  /^\s*v?(?:(\d+)!)?(\d+(?:\.\d+)*)(?:[-_.]?(a|alpha|b|beta|c|rc|pre|preview)[-_.]?(\d*))?(?:-(\d+)|[-_.]?(post|rev|r)[-_.]?(\d*))?(?:[-_.]?(dev)[-_.]?(\d*))?(?:\+([a-z0-9]+(?:[-_.][a-z0-9]+)*))?\s*$/i;

const PRE_NORMAL: Record<string, string> = {
  a: "a",
  alpha: "a",
  b: "b",
  beta: "b",
  c: "rc",
  rc: "rc",
  pre: "rc",
  preview: "rc",
};

export function parsePep440(text: string): TPep440 | null {
  const m = RE.exec(text);
  if (!m) return null;
  const [, epoch, release, preL, preN, postImplicit, postL, postN, devL, devN, local] = m;
  return {
    epoch: epoch ? Number(epoch) : 0,
    release: (release ?? "0").split(".").map(Number),
    pre: preL ? [PRE_NORMAL[preL.toLowerCase()] ?? "rc", preN ? Number(preN) : 0] : null,
    post: postImplicit !== undefined ? Number(postImplicit) : postL ? (postN ? Number(postN) : 0) : null,
    dev: devL ? (devN ? Number(devN) : 0) : null,
    local: local
      ? local
          .toLowerCase()
          .split(/[-_.]/)
          .map((s) => (/^\d+$/.test(s) ? Number(s) : s))
      : null,
  };
}

export function isPep440(text: string): boolean {
  return parsePep440(text) !== null;
}

/** Canonical string form (`1.0-Alpha1` → `1.0a1`). */
export function normalizePep440(text: string): string {
  const v = parsePep440(text);
  if (!v) return text;
  let s = v.epoch ? `${v.epoch}!` : "";
  s += v.release.join(".");
  if (v.pre) s += `${v.pre[0]}${v.pre[1]}`;
  if (v.post !== null) s += `.post${v.post}`;
  if (v.dev !== null) s += `.dev${v.dev}`;
  if (v.local) s += `+${v.local.join(".")}`;
  return s;
}

const PRE_RANK: Record<string, number> = { a: 0, b: 1, rc: 2 };

function cmpNum(a: number, b: number): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function cmpRelease(a: number[], b: number[]): number {
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = cmpNum(a[i] ?? 0, b[i] ?? 0);
    if (c) return c;
  }
  return 0;
}

// Per PEP 440: a dev release of a final (1.0.dev1) sorts before its pre-releases (1.0a1).
function preKey(v: TPep440): [number, number] {
  if (v.pre) return [PRE_RANK[v.pre[0]] ?? 2, v.pre[1]];
  if (v.post === null && v.dev !== null) return [-1, 0];
  return [3, 0];
}

function cmpLocal(a: TPep440["local"], b: TPep440["local"]): number {
  if (!a && !b) return 0;
  if (!a) return -1;
  if (!b) return 1;
  const n = Math.max(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i];
    const y = b[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === "number" && typeof y === "number") {
      const c = cmpNum(x, y);
      if (c) return c;
    } else if (typeof x === "number")
      return 1; // numeric segments sort after alphanumeric ones
    else if (typeof y === "number") return -1;
    else if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export function comparePep440Parsed(a: TPep440, b: TPep440, ignoreLocal = false): number {
  let c = cmpNum(a.epoch, b.epoch) || cmpRelease(a.release, b.release);
  if (c) return c;
  const [pa, pna] = preKey(a);
  const [pb, pnb] = preKey(b);
  c = cmpNum(pa, pb) || cmpNum(pna, pnb);
  if (c) return c;
  c = cmpNum(a.post ?? -1, b.post ?? -1);
  if (c) return c;
  c = cmpNum(a.dev ?? Number.POSITIVE_INFINITY, b.dev ?? Number.POSITIVE_INFINITY);
  if (c) return c;
  return ignoreLocal ? 0 : cmpLocal(a.local, b.local);
}

/** Total order on PEP 440 versions. Unparseable versions sort before everything, then by string. */
export function comparePep440(a: string, b: string): number {
  const pa = parsePep440(a);
  const pb = parsePep440(b);
  if (!pa || !pb) {
    if (pa) return 1;
    if (pb) return -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return comparePep440Parsed(pa, pb);
}

const isPre = (v: TPep440) => v.pre !== null || v.dev !== null;

function publicOf(v: TPep440): TPep440 {
  return { ...v, local: null };
}

function matchOne(op: string, spec: string, v: TPep440): boolean {
  if (op === "===") return false; // arbitrary equality is string-based; handled by caller
  if ((op === "==" || op === "!=") && spec.endsWith(".*")) {
    const prefix = parsePep440(spec.slice(0, -2));
    if (!prefix) return false;
    const head = v.release.slice(0, prefix.release.length);
    while (head.length < prefix.release.length) head.push(0);
    const eq = v.epoch === prefix.epoch && cmpRelease(head, prefix.release) === 0;
    return op === "==" ? eq : !eq;
  }
  const s = parsePep440(spec);
  if (!s) return false;
  // A specifier without a local label ignores the candidate's local label.
  const cand = s.local ? v : publicOf(v);
  const c = comparePep440Parsed(cand, s);
  switch (op) {
    case "==":
      return c === 0;
    case "!=":
      return c !== 0;
    case "<=":
      return c <= 0;
    case ">=":
      return c >= 0;
    case "<":
      // `<V` must not match pre-releases of V unless V itself is a pre-release.
      if (c >= 0) return false;
      if (!isPre(s) && isPre(v) && cmpRelease(v.release, s.release) === 0 && v.epoch === s.epoch)
        return false;
      return true;
    case ">":
      // `>V` must not match post-releases (or local versions) of V unless V is a post-release.
      if (c <= 0) return false;
      if (s.post === null && v.post !== null && cmpRelease(v.release, s.release) === 0 && !v.pre && !s.pre)
        return false;
      return true;
    case "~=": {
      if (s.release.length < 2) return false;
      const upper = s.release.slice(0, -1);
      const head = v.release.slice(0, upper.length);
      while (head.length < upper.length) head.push(0);
      return c >= 0 && cmpRelease(head, upper) === 0 && v.epoch === s.epoch;
    }
    default:
      return false;
  }
}

const SPEC_RE = /^\s*(===|~=|==|!=|<=|>=|<|>)\s*([^\s,;]+)\s*$/;

/**
 * Does `version` satisfy a comma-separated specifier set (`>=2.4,<2.5`)? Pre-releases are only
 * accepted when `includePre` is set or a clause names a pre-release, as pip does.
 */
export function satisfiesPep440(version: string, specifiers: string, includePre = false): boolean {
  const v = parsePep440(version);
  if (!v) return false;
  const clauses = specifiers
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  let namesPre = false;
  for (const clause of clauses) {
    const m = SPEC_RE.exec(clause);
    if (!m) return false;
    const [, op, spec] = m as unknown as [string, string, string];
    if (op === "===") {
      if (version.trim() !== spec) return false;
      continue;
    }
    const sp = parsePep440(spec.replace(/\.\*$/, ""));
    if (sp && isPre(sp)) namesPre = true;
    if (!matchOne(op, spec, v)) return false;
  }
  if (isPre(v) && !includePre && !namesPre) return false;
  return true;
}

/** PEP 503 name normalisation (`Torch_Vision` → `torch-vision`). */
export function normalizePypiName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}
