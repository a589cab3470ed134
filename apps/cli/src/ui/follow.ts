import type { ApiClient } from "../api/client";
import { seg } from "../api/client";
import { TERMINAL_JOB_STATES, type TJob, type TJobLogLine } from "../api/types";
import { cliEnv } from "../env";
import { createProgress, toFraction } from "./progress";

export interface TFollowOptions {
  /** Keep polling until the job ends (else print what there is and return). */
  follow: boolean;
  /** NDJSON on stdout ({type:"log",…} per line, then {type:"job",…}); no bar. */
  json: boolean;
  /** Print nothing (the caller reports the outcome itself, e.g. `aitk build --json`). */
  silent?: boolean;
  /** Label in front of the progress bar (default: the job kind). */
  label?: string;
  /** Poll interval (default AITK_POLL_MS or 1 s). */
  pollMs?: number;
  /** Give up following after this long (ms); the job keeps running. */
  timeoutMs?: number;
}

export const isTerminal = (j: Pick<TJob, "state">) => TERMINAL_JOB_STATES.includes(j.state);

export function formatLogLine(l: TJobLogLine): string {
  return l.level === "info" || !l.level ? l.line : `[${l.level}] ${l.line}`;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Prints a job's log lines (and, on a terminal, a progress bar) and, with `follow`, polls
 * GET /jobs/{id} and /jobs/{id}/logs until the job ends. Lines are deduplicated by their sequence
 * number, which is stable between the live stream and the lines stored when the job ends.
 * Returns the last job row seen.
 */
export async function followJob(client: ApiClient, jobId: string, opts: TFollowOptions): Promise<TJob> {
  const pollMs = opts.pollMs ?? cliEnv.pollMs;
  const deadline = opts.timeoutMs ? Date.now() + opts.timeoutMs : Number.POSITIVE_INFINITY;
  let job = await client.get<TJob>(`/jobs/${seg(jobId)}`);
  const progress = createProgress(opts.label ?? job.kind, {
    quiet: opts.json || opts.silent || !opts.follow,
  });
  let lastSeq = 0;
  const printLines = (lines: TJobLogLine[]) => {
    for (const l of lines) {
      if (l.seq <= lastSeq) continue;
      lastSeq = l.seq;
      if (opts.silent) continue;
      if (opts.json) process.stdout.write(`${JSON.stringify({ type: "log", ...l })}\n`);
      else progress.log(formatLogLine(l));
    }
  };
  const onSigint = () => {
    progress.done();
    process.stderr.write(
      `\naitk: stopped following; job ${jobId} keeps running (aitk logs ${jobId} -f to resume)\n`,
    );
    process.exit(130);
  };
  if (opts.follow) process.once("SIGINT", onSigint);
  try {
    for (;;) {
      const ended = isTerminal(job);
      const { lines } = await client.get<{ lines: TJobLogLine[] }>(`/jobs/${seg(jobId)}/logs`);
      printLines(lines);
      if (ended || !opts.follow) break;
      progress.update(toFraction(job.progress), job.progressMessage ?? job.state);
      if (Date.now() >= deadline) break;
      await sleep(pollMs);
      job = await client.get<TJob>(`/jobs/${seg(jobId)}`);
    }
    if (isTerminal(job)) progress.update(toFraction(job.progress), job.state);
  } finally {
    progress.done();
    process.removeListener("SIGINT", onSigint);
  }
  if (opts.json && !opts.silent) process.stdout.write(`${JSON.stringify({ type: "job", ...job })}\n`);
  return job;
}
