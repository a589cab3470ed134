import { ApiClient, seg } from "../api/client";
import { ApiError } from "../api/errors";
import type { TBuild, TJob, TPage } from "../api/types";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { requireLogin } from "../config";
import { EXIT_FAILED, UsageError } from "../errors";
import { followJob, isTerminal } from "../ui/follow";

/** A job id, or the id of a build (or deployment) whose job the user means. */
type TOwner = Partial<Pick<TBuild, "jobId">> & {
  latestRevision?: { id?: string; jobId?: string | null } | null;
};

/** A rollout job, found by the revision it applies (for revisions that do not name their job). */
async function revisionJob(client: ApiClient, revisionId: string): Promise<string | null> {
  for (const kind of ["deploy.apply", "deploy.rollback"]) {
    const page = await client.get<TPage<TJob & { payload?: { revisionId?: string } }>>("/jobs", {
      kind,
      limit: 200,
    });
    const hit = page.items.find((j) => j.payload?.revisionId === revisionId);
    if (hit) return hit.id;
  }
  return null;
}

/** A job id, or the id of a build or deployment whose job the user means. */
export async function resolveJobId(client: ApiClient, id: string): Promise<string> {
  try {
    await client.get<TJob>(`/jobs/${seg(id)}`);
    return id;
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404) throw e;
    for (const kind of ["builds", "deployments"]) {
      let row: TOwner;
      try {
        row = await client.get<TOwner>(`/${kind}/${seg(id)}`);
      } catch (inner) {
        if (!(inner instanceof ApiError) || inner.status !== 404) throw inner;
        continue;
      }
      // Builds carry their job; a deployment's is its latest revision's (apply or rollback).
      const jobId =
        row.jobId ??
        row.latestRevision?.jobId ??
        (row.latestRevision?.id ? await revisionJob(client, row.latestRevision.id) : null);
      if (jobId) return jobId;
      throw new ApiError(`${kind.slice(0, -1)} ${id} has no job yet`, 404, "NOT_FOUND", "id");
    }
    throw new ApiError(
      `no job, build or deployment with id ${id} (aitk jobs lists them)`,
      404,
      "NOT_FOUND",
      "id",
    );
  }
}

export const jobExitCode = (j: TJob) => (isTerminal(j) && j.state !== "completed" ? EXIT_FAILED : 0);

const command: TCommand = {
  name: "logs",
  summary: "Print a job's log lines; -f follows it live until it ends",
  help: `Usage: aitk logs JOB_ID [-f|--follow] [--json]

Prints the log lines of a job (a build's or deployment's id works too). With -f, keeps printing new
lines, with a progress bar on a terminal, until the job ends; Ctrl-C stops following, not the job.
--json prints one JSON object per line: {"type":"log",seq,ts,level,line}… then {"type":"job",…}.

Exit codes: 0 the job completed (or is still running without -f), 1 it failed or was cancelled,
2 unknown id or not logged in.

Examples:
  aitk logs cmf0q2x7k0001abcd -f
  aitk jobs --json | jq -r '.items[0].id' | xargs aitk logs`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      { follow: { type: "boolean", short: "f", default: false }, json: { type: "boolean", default: false } },
      true,
    );
    const [id, ...extra] = positionals;
    if (!id) throw new UsageError("missing JOB_ID (aitk jobs lists them)");
    if (extra.length) throw new UsageError(`unexpected argument "${extra[0]}"`);
    const client = new ApiClient(requireLogin());
    const jobId = await resolveJobId(client, id);
    const job = await followJob(client, jobId, { follow: values.follow, json: values.json });
    if (!values.json) {
      const tail =
        job.state === "failed"
          ? `job ${job.id} failed${job.error ? `: ${job.error}` : ""}`
          : isTerminal(job)
            ? `job ${job.id} ${job.state}`
            : `job ${job.id} is ${job.state} (${job.progress}%${job.progressMessage ? ` ${job.progressMessage}` : ""}); aitk logs ${job.id} -f to follow`;
      console.error(tail);
    }
    return jobExitCode(job);
  },
};
export default command;
