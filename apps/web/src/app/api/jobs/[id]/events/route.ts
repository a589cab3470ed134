// Live job progress and log lines as Server-Sent Events for the dashboard. The session's active org
// must own the job. Events: `job` (row snapshot), `log`, `progress`, `end`.
import { followJobLogs, readJobLogs, readPersistedJobLogs } from "@aitk/db/jobs/logs";
import { requestedOrgFromRequest, sessionFromRequest } from "../../../../../server/auth/session";
import { getDeps } from "../../../../../server/deps";
import { toJobOut } from "../../../../../server/services/jobs";
import { resolveMembership } from "../../../../../server/services/org";

export const dynamic = "force-dynamic";

const TERMINAL = new Set(["completed", "failed", "cancelled"]);

const json = (status: number, code: string, message: string) =>
  Response.json({ error: { code, message } }, { status });

export async function GET(req: Request, ctx: { params: Promise<{ id: string }> }) {
  const { id } = await ctx.params;
  const deps = getDeps();
  const session = await sessionFromRequest(req);
  if (!session) return json(401, "UNAUTHORIZED", "sign in first");
  const m = await resolveMembership(deps, session.userId, requestedOrgFromRequest(req));
  if (!m) return json(403, "FORBIDDEN", "you are not a member of any organization");
  const job = await deps.prisma.job.findFirst({ where: { id, orgId: m.orgId } });
  if (!job) return json(404, "NOT_FOUND", `job ${id} not found`);

  const encoder = new TextEncoder();
  const abort = new AbortController();
  req.signal.addEventListener("abort", () => abort.abort(), { once: true });

  const stream = new ReadableStream<Uint8Array>({
    async start(controller) {
      const send = (event: string, data: unknown) => {
        if (abort.signal.aborted) return;
        try {
          controller.enqueue(encoder.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
        } catch {
          abort.abort();
        }
      };
      const snapshot = async () => {
        const row = await deps.prisma.job.findFirst({ where: { id, orgId: m.orgId } });
        if (row) send("job", toJobOut(row));
        return row;
      };
      // Keeps proxies from closing an idle stream and refreshes the row (attempt count, state).
      const timer = setInterval(() => {
        snapshot().catch(() => undefined);
      }, 1000);
      try {
        send("job", toJobOut(job));
        if (TERMINAL.has(job.state)) {
          const lines = await readPersistedJobLogs(deps.prisma, { id: job.id, orgId: job.orgId });
          for (const l of lines) send("log", { level: l.level, line: l.line, ts: l.ts.getTime() });
          if (lines.length === 0) {
            const live = await readJobLogs(deps.redis, id, "0");
            for (const e of live.entries)
              if (e.type === "log") send("log", { level: e.level, line: e.line, ts: e.ts });
          }
          send("end", { state: job.state, error: job.error });
        } else {
          for await (const e of followJobLogs(deps.redis, id, { blockMs: 2000, signal: abort.signal })) {
            if (e.type === "log") send("log", { level: e.level, line: e.line, ts: e.ts });
            else if (e.type === "progress") send("progress", { progress: e.progress, message: e.message });
            else if (e.type === "end") {
              const row = await snapshot();
              send("end", { state: row?.state ?? e.state, error: row?.error ?? e.error });
            }
          }
        }
      } catch (err) {
        deps.logger.warn({ jobId: id, err: (err as Error).message }, "job event stream failed");
      } finally {
        clearInterval(timer);
        try {
          controller.close();
        } catch {
          // already closed by the client going away
        }
      }
    },
    cancel() {
      abort.abort();
    },
  });

  return new Response(stream, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache, no-transform",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    },
  });
}
