import { redactPiiDeep } from "@aitk/core/gateway/pii";
import pino from "pino";
import { LogSink } from "./logSink";

export type TLogger = pino.Logger;

/** Values the gateway itself produces (ids, slugs, numbers, enums) are safe; these keys may carry user data. */
const RISKY = ["prompt", "err", "error", "body", "detail", "event", "reason", "msg", "message", "url"];

/** Redacts only fields that can hold user text, so the per-request access line stays cheap. */
function redactRecord(obj: Record<string, unknown>): Record<string, unknown> {
  let out: Record<string, unknown> | null = null;
  for (const k of RISKY) {
    const v = obj[k];
    if (v === undefined || typeof v === "number" || typeof v === "boolean") continue;
    out ??= { ...obj };
    out[k] = redactPiiDeep(v);
  }
  return out ?? obj;
}

/** One sink per process on fd 1; whatever a turn left pending is written if the process exits. */
let stdout: LogSink | null = null;
function stdoutSink(): LogSink {
  if (!stdout) {
    const sink = new LogSink(1);
    process.on("exit", () => sink.flushSync());
    stdout = sink;
  }
  return stdout;
}

/**
 * JSON logs on stdout. Every record passes through PII redaction (e-mails, card numbers, SSN-like
 * numbers, API keys); authorization headers are removed by path. Prompt text is only ever logged for
 * orgs with logPrompts on (the caller decides), and is redacted too.
 */
export function createLogger(level: string, destination?: pino.DestinationStream): TLogger {
  return pino(
    {
      level,
      base: { svc: "gateway" },
      redact: {
        paths: ["req.headers.authorization", "headers.authorization", "authorization", "apiKey"],
        remove: true,
      },
      formatters: {
        log: redactRecord,
      },
      hooks: {
        logMethod(args, method) {
          if (typeof args[0] === "string") args[0] = redactPiiDeep(args[0]) as string;
          if (typeof args[1] === "string") args[1] = redactPiiDeep(args[1]) as string;
          return method.apply(this, args);
        },
      },
    },
    destination ?? stdoutSink(),
  );
}

/** The fields of one access-log line; every value is produced by the gateway (ids, enums, numbers). */
export type TAccessLine = {
  reqId: string;
  org: string;
  key: string;
  endpoint: string;
  model: string;
  status: number;
  outcome: string;
  ms: number;
  ttftMs: number | null;
  promptTokens: number;
  completionTokens: number;
  upstream: string | null;
};

const str = (v: string | null) => (v === null ? "null" : JSON.stringify(v));

/**
 * The per-request access line, serialised by hand into the logger's own destination: the same JSON
 * pino would write (level, time, svc, fields, msg), at a fraction of the cost — pino's generic path
 * was the largest single item in the gateway's per-request profile. None of these fields can carry
 * user text except `model`, which is quoted like any string and was never redacted.
 */
export function createAccessLog(log: TLogger): (l: TAccessLine) => void {
  const stream = (log as unknown as Record<symbol, pino.DestinationStream>)[pino.symbols.streamSym];
  return (l) => {
    if (!stream || !log.isLevelEnabled("info")) return;
    stream.write(
      `{"level":30,"time":${Date.now()},"svc":"gateway","reqId":${str(l.reqId)},"org":${str(l.org)},"key":${str(l.key)},"endpoint":${str(l.endpoint)},"model":${str(l.model)},"status":${l.status},"outcome":${str(l.outcome)},"ms":${l.ms},"ttftMs":${l.ttftMs},"promptTokens":${l.promptTokens},"completionTokens":${l.completionTokens},"upstream":${str(l.upstream)},"msg":"request"}\n`,
    );
  };
}
