import { ApiClient, seg } from "../api/client";
import type { TApiKey } from "../api/types";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { requireLogin } from "../config";
import { UsageError } from "../errors";
import { ago, table } from "../ui/table";

const SCOPES = ["inference", "read", "write", "admin", "api"];

const HELP = `Usage:
  aitk keys list [--all] [--json]
  aitk keys create NAME [--scopes inference,read,write] [--models M1,M2] [--expires 30d|2027-01-01]
                        [--rpm N] [--tpm N] [--json]
  aitk keys revoke ID|PREFIX [--json]

API keys of your organization. create prints the new key once, alone on stdout (the server keeps only
its hash), so KEY=$(aitk keys create ci) works; details go to stderr.
  --scopes   ${SCOPES.join(", ")} (default inference,read,write). inference = the gateway's
             /v1 endpoints; read/write = /api/v1 as viewer/member; admin = administrator
  --models   served models the key may call (default: all)
  --expires  a duration (90m, 12h, 30d, 52w) from now, or a date/time (2027-01-01T00:00:00Z)
  --rpm/--tpm  requests / tokens per minute for this key
list hides revoked keys unless --all.

Examples:
  aitk keys list
  aitk keys create ci-bot --scopes inference --models aitk-tiny --expires 30d
  aitk keys revoke aitk_AbCdEfG`;

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

export function parseExpires(s: string, now = Date.now()): string {
  const m = /^(\d+)\s*([mhdw])$/i.exec(s.trim());
  if (m) {
    const n = Number(m[1]);
    if (n <= 0) throw new UsageError(`--expires "${s}" must be in the future`);
    return new Date(now + n * (UNIT_MS[m[2]!.toLowerCase()] ?? 0)).toISOString();
  }
  const t = Date.parse(s);
  if (!/^\d{4}-\d{2}-\d{2}/.test(s) || Number.isNaN(t)) {
    throw new UsageError(`--expires "${s}" is not a duration (30d, 12h, 90m, 52w) or a date (2027-01-01)`);
  }
  if (t <= now) throw new UsageError(`--expires "${s}" is in the past`);
  return new Date(t).toISOString();
}

const list = (v: string | undefined) =>
  v === undefined
    ? undefined
    : v
        .split(",")
        .map((x) => x.trim())
        .filter(Boolean);

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${flag} "${v}" must be a whole number ≥ 1`);
  return n;
}

async function listKeys(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    all: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  });
  const client = new ApiClient(requireLogin());
  const { items } = await client.get<{ items: TApiKey[] }>("/keys");
  const shown = values.all ? items : items.filter((k) => !k.revokedAt);
  if (values.json) {
    console.log(JSON.stringify({ items: shown }));
    return 0;
  }
  if (!shown.length) {
    console.log("no API keys");
    return 0;
  }
  console.log(
    table(
      ["ID", "NAME", "PREFIX", "SCOPES", "MODELS", "EXPIRES", "LAST USED", "STATUS"],
      shown.map((k) => [
        k.id,
        k.name,
        `${k.prefix}…`,
        k.scopes.join(","),
        k.allowedModels.length ? k.allowedModels.join(",") : "all",
        k.expiresAt ? ago(k.expiresAt) : "never",
        ago(k.lastUsedAt),
        k.revokedAt
          ? `revoked ${ago(k.revokedAt)}`
          : k.expiresAt && Date.parse(k.expiresAt) <= Date.now()
            ? "expired"
            : "active",
      ]),
    ),
  );
  return 0;
}

async function createKey(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(
    argv,
    {
      scopes: { type: "string" },
      models: { type: "string" },
      expires: { type: "string" },
      rpm: { type: "string" },
      tpm: { type: "string" },
      json: { type: "boolean", default: false },
    },
    true,
  );
  const name = positionals.join(" ").trim();
  if (!name) throw new UsageError("missing NAME: aitk keys create NAME (e.g. aitk keys create ci-bot)");
  const scopes = list(values.scopes);
  for (const s of scopes ?? []) {
    if (!SCOPES.includes(s))
      throw new UsageError(`unknown scope "${s}" in --scopes; scopes: ${SCOPES.join(", ")}`);
  }
  if (scopes && !scopes.length) throw new UsageError("--scopes is empty; scopes: " + SCOPES.join(", "));
  const body = {
    name,
    ...(scopes ? { scopes } : {}),
    ...(values.models !== undefined ? { allowedModels: list(values.models) } : {}),
    ...(values.expires !== undefined ? { expiresAt: parseExpires(values.expires) } : {}),
    ...(values.rpm !== undefined ? { rpmLimit: positiveInt(values.rpm, "rpm") } : {}),
    ...(values.tpm !== undefined ? { tpmLimit: positiveInt(values.tpm, "tpm") } : {}),
  };
  const client = new ApiClient(requireLogin());
  const r = await client.post<{ key: string; apiKey: TApiKey }>("/keys", body);
  if (values.json) {
    console.log(JSON.stringify(r));
    return 0;
  }
  console.log(r.key);
  const k = r.apiKey;
  console.error(
    `Created API key "${k.name}" (id ${k.id}, scopes ${k.scopes.join(",")}${k.allowedModels.length ? `, models ${k.allowedModels.join(",")}` : ""}${k.expiresAt ? `, expires ${k.expiresAt}` : ""}).`,
  );
  console.error("Copy it now: it is not shown again.");
  return 0;
}

async function revokeKey(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean", default: false } }, true);
  const ref = positionals[0];
  if (!ref) throw new UsageError("missing ID: aitk keys revoke ID (aitk keys list shows them)");
  const client = new ApiClient(requireLogin());
  let id = ref;
  // A prefix (or a whole key) is what people have at hand; map it to the id.
  if (ref.startsWith("aitk_")) {
    const { items } = await client.get<{ items: TApiKey[] }>("/keys");
    const hits = items.filter((k) => ref.startsWith(k.prefix) || k.prefix.startsWith(ref));
    if (hits.length === 0)
      throw new UsageError(`no API key with prefix ${ref.slice(0, 12)} (aitk keys list)`);
    if (hits.length > 1) throw new UsageError(`prefix ${ref} matches ${hits.length} keys; use the id`);
    id = hits[0]!.id;
  }
  const k = await client.delete<TApiKey>(`/keys/${seg(id)}`);
  if (values.json) console.log(JSON.stringify(k));
  else console.log(`Revoked API key "${k.name}" (${k.prefix}…); gateways stop accepting it within a second.`);
  return 0;
}

const command: TCommand = {
  name: "keys",
  summary: "List, create (shown once) and revoke API keys",
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case "list":
      case "ls":
        return listKeys(rest);
      case "create":
        return createKey(rest);
      case "revoke":
      case "rm":
        return revokeKey(rest);
      case undefined:
        return listKeys([]);
      default:
        if (sub.startsWith("-")) return listKeys(argv);
        throw new UsageError(`unknown keys subcommand "${sub}": list, create NAME, revoke ID`);
    }
  },
};
export default command;
