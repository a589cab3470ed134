// Kubernetes-style quantities ("64Gi", "500m", 128) to numbers, and back to each platform's units.

const SUFFIX: Record<string, number> = {
  "": 1,
  n: 1e-9,
  u: 1e-6,
  m: 1e-3,
  k: 1e3,
  K: 1e3,
  M: 1e6,
  G: 1e9,
  T: 1e12,
  P: 1e15,
  E: 1e18,
  Ki: 2 ** 10,
  Mi: 2 ** 20,
  Gi: 2 ** 30,
  Ti: 2 ** 40,
  Pi: 2 ** 50,
  Ei: 2 ** 60,
};

/** Value in base units (bytes for memory, cores for cpu). Throws on malformed input (the schema rejects it first). */
export function parseQuantity(q: string | number): number {
  if (typeof q === "number") return q;
  const m = /^[+]?((?:\d+(?:\.\d*)?|\.\d+))(e\d+|[KMGTPE]i?|[numk])?$/.exec(q.trim());
  if (!m?.[1]) throw new Error(`not a quantity: ${q}`);
  const n = Number(m[1]);
  const s = m[2] ?? "";
  if (s.startsWith("e")) return n * 10 ** Number(s.slice(1));
  const f = SUFFIX[s];
  if (f === undefined) throw new Error(`not a quantity: ${q}`);
  return n * f;
}

export const GiB = 2 ** 30;
export const MiB = 2 ** 20;

export const bytesToMiB = (b: number) => Math.ceil(b / MiB);
export const bytesToGiB = (b: number) => b / GiB;

/** Memory for Kubernetes: whole Gi/Mi when exact, else bytes. */
export function formatMemory(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB}Gi`;
  if (bytes % MiB === 0) return `${bytes / MiB}Mi`;
  return String(Math.ceil(bytes));
}

/** CPU for Kubernetes: cores, or millicores when fractional. */
export function formatCpu(cores: number): string {
  return Number.isInteger(cores) ? String(cores) : `${Math.round(cores * 1000)}m`;
}

/** Compose byte strings ("64g", "512m"). */
export function formatComposeBytes(bytes: number): string {
  if (bytes % GiB === 0) return `${bytes / GiB}g`;
  if (bytes % MiB === 0) return `${bytes / MiB}m`;
  return `${Math.ceil(bytes / 1024)}k`;
}

/** Durations in the spec ("1h30m", "90s") to seconds. */
export function parseDuration(d: string): number {
  const m = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(d);
  if (!m) throw new Error(`not a duration: ${d}`);
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

/** Seconds to compose / Docker duration strings ("1m30s"). */
export function formatDuration(seconds: number): string {
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  return `${h ? `${h}h` : ""}${m ? `${m}m` : ""}${r || (!h && !m) ? `${r}s` : ""}`;
}
