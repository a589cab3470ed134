import { ApiError } from "../api/errors";
import { connect } from "../api/client";
import type { TBuild, THost, TJob, TMe, TPage } from "../api/types";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { configPath, requireLogin } from "../config";
import { ago } from "../ui/table";

type TCounts = { total: number; byState: Record<string, number>; more: boolean };

function count<T>(
  page: Pick<TPage<T>, "items"> & { nextCursor?: string | null },
  state: (x: T) => string,
): TCounts {
  const byState: Record<string, number> = {};
  for (const x of page.items) byState[state(x)] = (byState[state(x)] ?? 0) + 1;
  return { total: page.items.length, byState, more: Boolean(page.nextCursor) };
}

const fmtCounts = (c: TCounts) =>
  `${c.more ? "latest " : ""}${c.total}${
    c.total
      ? `: ${Object.entries(c.byState)
          .sort((a, b) => b[1] - a[1])
          .map(([k, n]) => `${n} ${k}`)
          .join(", ")}`
      : ""
  }`;

/** A list that may not exist on an older server: null instead of failing the whole status. */
async function optional<T>(p: Promise<T>): Promise<T | null> {
  try {
    return await p;
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 403)) return null;
    throw e;
  }
}

const LIMIT = 100;

const command: TCommand = {
  name: "status",
  summary: "Who you are logged in as, the API URL, hosts' health and recent jobs, builds, deployments",
  help: `Usage: aitk status [--json]

Shows the organization and API key you act as, the API URL (and whether the key comes from the
environment or ${"$"}{AITK_CONFIG_DIR:-~/.config/aitk}/config.json), every Docker host with its last health
check, and counts of the latest ${LIMIT} jobs, builds and deployments by state.

Exit codes: 0 ok, 1 the control plane could not be reached, 2 not logged in or the key was refused.

Examples:
  aitk status
  aitk status --json | jq .hosts`,
  async run(argv) {
    const { values } = parseFlags(argv, { json: { type: "boolean", default: false } });
    const login = requireLogin();
    const client = connect();
    const me = await client.get<TMe>("/me");
    const [hosts, jobs, builds, deployments] = await Promise.all([
      optional(client.get<{ items: THost[] }>("/hosts")),
      client.get<TPage<TJob>>("/jobs", { limit: LIMIT }),
      optional(client.get<TPage<TBuild>>("/builds", { limit: LIMIT })),
      optional(client.get<TPage<{ status?: string; state?: string }>>("/deployments", { limit: LIMIT })),
    ]);
    const out = {
      apiUrl: login.apiUrl,
      keySource: login.source === "env" ? "AITK_API_KEY" : configPath(),
      org: me.org,
      apiKey: me.apiKey,
      role: me.role,
      hosts:
        hosts?.items.map((h) => ({
          id: h.id,
          name: h.name,
          endpoint: h.endpoint,
          status: h.status,
          lastCheckedAt: h.lastCheckedAt,
          lastError: h.lastError,
        })) ?? null,
      jobs: count(jobs, (j) => j.state),
      builds: builds ? count(builds, (b) => b.status) : null,
      deployments: deployments ? count(deployments, (d) => d.status ?? d.state ?? "unknown") : null,
    };
    if (values.json) {
      console.log(JSON.stringify(out));
      return 0;
    }
    const lines = [
      `API          ${out.apiUrl}  (key from ${out.keySource})`,
      `Organization ${me.org.name} (${me.org.slug}, ${me.org.id}), plan ${me.org.plan}`,
      `API key      ${me.apiKey.prefix}…  scopes ${me.apiKey.scopes.join(", ")}  → role ${me.role}`,
    ];
    if (!out.hosts) lines.push("Hosts        (not visible to this key)");
    else if (out.hosts.length === 0) lines.push("Hosts        none registered");
    else {
      lines.push(`Hosts        ${out.hosts.length}`);
      for (const h of out.hosts) {
        lines.push(
          `  ${h.name.padEnd(16)} ${h.status.padEnd(9)} ${h.endpoint}  checked ${ago(h.lastCheckedAt)}${h.lastError ? `  error: ${h.lastError}` : ""}`,
        );
      }
    }
    lines.push(`Jobs         ${fmtCounts(out.jobs)}`);
    lines.push(`Builds       ${out.builds ? fmtCounts(out.builds) : "(not available on this server)"}`);
    lines.push(
      `Deployments  ${out.deployments ? fmtCounts(out.deployments) : "(not available on this server)"}`,
    );
    console.log(lines.join("\n"));
    return 0;
  },
};
export default command;
