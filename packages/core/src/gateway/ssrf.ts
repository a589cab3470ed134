import { DomainError } from "../errors";

/**
 * SSRF guard for upstream URLs registered by tenants. The pure part classifies addresses; the caller
 * supplies DNS resolution (`resolve`) so this module does no I/O — the web API passes
 * `dns.promises.lookup(host, { all: true })`, the gateway the same, at registration and at routing.
 */
export type TAddressClass =
  | "public"
  | "loopback"
  | "private"
  | "link-local"
  | "metadata"
  | "unspecified"
  | "multicast"
  | "reserved";

export type TUpstreamPolicy = { allowPrivateUpstreams: boolean; allowLoopbackUpstreams: boolean };

// Cloud metadata services (AWS/GCP/Azure/OpenStack 169.254.169.254, AWS IPv6, Alibaba, Oracle legacy).
const METADATA_V4 = new Set(["169.254.169.254", "169.254.170.2", "100.100.100.200", "192.0.0.192"]);
const METADATA_HOSTS = new Set([
  "metadata.google.internal",
  "metadata",
  "metadata.azure.com",
  "instance-data",
]);

function parseV4(ip: string): number[] | null {
  const parts = ip.split(".");
  if (parts.length !== 4) return null;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return null;
    const n = Number(p);
    if (n > 255) return null;
    out.push(n);
  }
  return out;
}

function classifyV4(ip: string, o: number[]): TAddressClass {
  const [a, b] = o as [number, number, number, number];
  if (METADATA_V4.has(ip)) return "metadata";
  if (a === 127) return "loopback";
  if (a === 0) return "unspecified";
  if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b >= 64 && b <= 127) return "private"; // carrier-grade NAT
  if (a === 169 && b === 254) return "link-local";
  if (a >= 224 && a <= 239) return "multicast";
  if (a >= 240) return "reserved";
  if ((a === 192 && b === 0 && o[2] === 0) || (a === 198 && (b === 18 || b === 19))) return "reserved";
  return "public";
}

/** Expands an IPv6 literal into 8 16-bit groups, or null when it is not one. */
function parseV6(ip: string): number[] | null {
  let s = ip.toLowerCase();
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (!s.includes(":")) return null;
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(":");
  const maybeV4 = s.slice(lastColon + 1);
  if (maybeV4.includes(".")) {
    const v4 = parseV4(maybeV4);
    if (!v4) return null;
    tail = [(v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!];
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const head = halves[0] ? halves[0].split(":") : [];
  const rest = halves.length === 2 && halves[1] ? halves[1].split(":") : [];
  const missing = 8 - head.length - rest.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const groups = [...head, ...Array(halves.length === 2 ? missing : 0).fill("0"), ...rest];
  const out: number[] = [];
  for (const g of groups) {
    if (!/^[0-9a-f]{1,4}$/.test(g)) return null;
    out.push(Number.parseInt(g, 16));
  }
  if (tail.length) out.splice(6, 2, tail[0]!, tail[1]!);
  return out.length === 8 ? out : null;
}

export function classifyAddress(address: string): TAddressClass | "invalid" {
  const ip = address.startsWith("[") && address.endsWith("]") ? address.slice(1, -1) : address;
  const v4 = parseV4(ip);
  if (v4) return classifyV4(ip, v4);
  const g = parseV6(ip);
  if (!g) return "invalid";
  const allZeroUntil = (n: number) => g.slice(0, n).every((x) => x === 0);
  if (allZeroUntil(8)) return "unspecified";
  if (allZeroUntil(7) && g[7] === 1) return "loopback";
  // IPv4-mapped (::ffff:a.b.c.d) and NAT64 (64:ff9b::/96) carry an IPv4 address: classify that.
  if (
    (allZeroUntil(5) && g[5] === 0xffff) ||
    (g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0))
  ) {
    const v4 = `${g[6]! >> 8}.${g[6]! & 255}.${g[7]! >> 8}.${g[7]! & 255}`;
    return classifyV4(v4, parseV4(v4)!);
  }
  if (g[0] === 0xfd00 && g[1] === 0x0ec2 && allZeroUntil(0) && g[7] === 0x254) return "metadata";
  if ((g[0]! & 0xfe00) === 0xfc00) return "private";
  if ((g[0]! & 0xffc0) === 0xfe80) return "link-local";
  if ((g[0]! & 0xff00) === 0xff00) return "multicast";
  if (g[0] === 0x2001 && g[1] === 0x0db8) return "reserved";
  return "public";
}

/** Whether a class of address may be used as an upstream under the org's policy. Metadata never. */
export function addressAllowed(cls: TAddressClass | "invalid", policy: TUpstreamPolicy): boolean {
  switch (cls) {
    case "public":
      return true;
    case "loopback":
      return policy.allowLoopbackUpstreams;
    case "private":
    case "link-local":
      return policy.allowPrivateUpstreams;
    default:
      return false;
  }
}

export type TUpstreamCheck =
  | { ok: true; host: string }
  | { ok: false; reason: string; address?: string; addressClass?: string };

/** Syntax part of the check: scheme, credentials, host; returns the host to resolve. */
export function parseUpstreamUrl(raw: string): { ok: true; url: URL } | { ok: false; reason: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "upstream URL is not a valid absolute URL" };
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    return {
      ok: false,
      reason: `upstream URL scheme must be http or https, got ${url.protocol.replace(":", "")}`,
    };
  }
  if (url.username || url.password) return { ok: false, reason: "upstream URL must not contain credentials" };
  if (!url.hostname) return { ok: false, reason: "upstream URL has no host" };
  return { ok: true, url };
}

/** Pure decision from a URL and the addresses its host resolved to (every one must be allowed). */
export function checkUpstreamAddresses(
  raw: string,
  addresses: readonly string[],
  policy: TUpstreamPolicy,
): TUpstreamCheck {
  const parsed = parseUpstreamUrl(raw);
  if (!parsed.ok) return parsed;
  const host = parsed.url.hostname.toLowerCase();
  if (METADATA_HOSTS.has(host.replace(/\.$/, ""))) {
    return {
      ok: false,
      reason: `upstream host ${host} is a cloud metadata service`,
      addressClass: "metadata",
    };
  }
  if (addresses.length === 0) return { ok: false, reason: `upstream host ${host} did not resolve` };
  for (const a of addresses) {
    const cls = classifyAddress(a);
    if (!addressAllowed(cls, policy)) {
      const hint =
        cls === "loopback"
          ? " (an org admin can allow loopback upstreams)"
          : cls === "private" || cls === "link-local"
            ? " (an org admin can allow private upstreams)"
            : "";
      return {
        ok: false,
        reason: `upstream ${host} resolves to ${cls} address ${a}${hint}`,
        address: a,
        addressClass: cls,
      };
    }
  }
  return { ok: true, host };
}

export type TResolve = (host: string) => Promise<string[]>;

/** Resolves the host with the caller's resolver, then checks; IP literals skip DNS. */
export async function checkUpstreamUrl(
  raw: string,
  policy: TUpstreamPolicy,
  resolve: TResolve,
): Promise<TUpstreamCheck> {
  const parsed = parseUpstreamUrl(raw);
  if (!parsed.ok) return parsed;
  const host = parsed.url.hostname.replace(/^\[|\]$/g, "");
  let addresses: string[];
  if (classifyAddress(host) !== "invalid") addresses = [host];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      addresses = [];
    }
  }
  return checkUpstreamAddresses(raw, addresses, policy);
}

/** Same as checkUpstreamUrl but throws a VALIDATION DomainError naming field `upstreamUrl`. */
export async function assertUpstreamAllowed(
  raw: string,
  policy: TUpstreamPolicy,
  resolve: TResolve,
): Promise<void> {
  const r = await checkUpstreamUrl(raw, policy, resolve);
  if (!r.ok) throw new DomainError("VALIDATION", r.reason, { field: "upstreamUrl" });
}
