// Redis names shared by producers (web, CLI) and the worker.

/** Stream of a job's live events (log lines, progress, end marker); JobLog keeps the lines once it ends. */
export const jobLogKey = (jobId: string) => `aitk:joblog:${jobId}`;

/** Pub/sub channel carrying the ids of jobs whose cancellation was requested. */
export const JOB_CANCEL_CHANNEL = "aitk:jobcancel";

/** How long a finished job's stream stays readable, so late live tails still see the end marker. */
export const FINISHED_STREAM_TTL_S = 3600;

/** Streams are capped: a runaway job cannot fill Redis. */
export const JOB_STREAM_MAXLEN = 20_000;
