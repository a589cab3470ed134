// The audit log as JSON lines (application/x-ndjson), shared by the API-key route and the dashboard's
// session route. The first row is read before the response starts, so a refused role or a bad filter
// still answers with a proper error status instead of a broken stream.
import type { TServiceCtx } from "./actor";
import { exportAudit, type TAuditExportQuery } from "./audit";

export async function auditNdjsonResponse(
  ctx: TServiceCtx,
  q: TAuditExportQuery,
  headers: Record<string, string> = {},
): Promise<Response> {
  const rows = exportAudit(ctx, q);
  const first = await rows.next();
  const enc = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      if (first.done) controller.close();
      else controller.enqueue(enc.encode(`${JSON.stringify(first.value)}\n`));
    },
    async pull(controller) {
      if (first.done) return;
      // Batch many lines per chunk: one enqueue per row would cost more than the JSON itself.
      let chunk = "";
      for (let i = 0; i < 500; i++) {
        const r = await rows.next();
        if (r.done) {
          if (chunk) controller.enqueue(enc.encode(chunk));
          controller.close();
          return;
        }
        chunk += `${JSON.stringify(r.value)}\n`;
      }
      controller.enqueue(enc.encode(chunk));
    },
    async cancel() {
      await rows.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-");
  return new Response(body, {
    status: 200,
    headers: {
      "content-type": "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="audit-${stamp}.jsonl"`,
      "cache-control": "no-store",
      ...headers,
    },
  });
}
