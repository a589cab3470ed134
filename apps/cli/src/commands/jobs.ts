import { ApiClient, seg } from "../api/client";
import type { TJob, TPage } from "../api/types";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { requireLogin } from "../config";
import { UsageError } from "../errors";
import { ago, duration, table } from "../ui/table";

const STATES = ["queued", "active", "completed", "failed", "cancelled"];

const HELP = `Usage:
  aitk jobs [--state S] [--kind K] [--limit N] [--cursor ID] [--json]
  aitk jobs cancel JOB_ID [--json]

Lists the organization's background jobs (builds, deployments, simulation sweeps, health checks),
newest first. States: ${STATES.join(", ")}. See one job's lines (live) with aitk logs.

Examples:
  aitk jobs
  aitk jobs --state failed --kind build.run
  aitk jobs --json | jq -r '.items[] | select(.state=="active") | .id'
  aitk jobs cancel cmf0q2x7k0001abcd`;

async function cancel(argv: string[]): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: "boolean", default: false } }, true);
  const id = positionals[0];
  if (!id) throw new UsageError("missing JOB_ID: aitk jobs cancel JOB_ID");
  const client = new ApiClient(requireLogin());
  const r = await client.post<{ outcome: string; state: string }>(`/jobs/${seg(id)}/cancel`);
  if (values.json) console.log(JSON.stringify({ id, ...r }));
  else console.log(`job ${id}: ${r.outcome} (state ${r.state})`);
  return 0;
}

const command: TCommand = {
  name: "jobs",
  summary: "List background jobs (state, progress, errors); cancel one",
  help: HELP,
  async run(argv) {
    if (argv[0] === "cancel") return cancel(argv.slice(1));
    const { values, positionals } = parseFlags(
      argv,
      {
        state: { type: "string" },
        kind: { type: "string" },
        limit: { type: "string" },
        cursor: { type: "string" },
        json: { type: "boolean", default: false },
      },
      true,
    );
    if (positionals.length) {
      throw new UsageError(
        `unknown jobs subcommand "${positionals[0]}": use aitk jobs [flags] or aitk jobs cancel ID`,
      );
    }
    if (values.state && !STATES.includes(values.state)) {
      throw new UsageError(`unknown --state "${values.state}"; states: ${STATES.join(", ")}`);
    }
    const limit = values.limit === undefined ? 20 : Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
      throw new UsageError(`--limit "${values.limit}" must be a whole number from 1 to 200`);
    }
    const client = new ApiClient(requireLogin());
    const page = await client.get<TPage<TJob>>("/jobs", {
      limit,
      state: values.state,
      kind: values.kind,
      cursor: values.cursor,
    });
    if (values.json) {
      console.log(JSON.stringify(page));
      return 0;
    }
    if (page.items.length === 0) {
      console.log("no jobs");
      return 0;
    }
    console.log(
      table(
        ["ID", "KIND", "STATE", "PROGRESS", "CREATED", "TOOK", "MESSAGE"],
        page.items.map((j) => [
          j.id,
          j.kind,
          j.state,
          `${j.progress}%`,
          ago(j.createdAt),
          j.startedAt && j.finishedAt ? duration(Date.parse(j.finishedAt) - Date.parse(j.startedAt)) : null,
          (j.state === "failed" ? j.error : j.progressMessage)?.slice(0, 80),
        ]),
      ),
    );
    if (page.nextCursor) console.log(`more: aitk jobs --cursor ${page.nextCursor}`);
    return 0;
  },
};
export default command;
