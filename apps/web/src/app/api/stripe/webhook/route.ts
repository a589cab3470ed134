import { getDeps } from "../../../../server/deps";
import { handleWebhook } from "../../../../server/services/billing";

export const dynamic = "force-dynamic";

// Stripe webhooks: the signature is checked over the raw body, so the body is read as text here and
// never parsed before verification.
export async function POST(req: Request): Promise<Response> {
  const deps = getDeps();
  const raw = await req.text();
  try {
    const r = await handleWebhook(deps, raw, req.headers.get("stripe-signature"));
    return Response.json(r.body, { status: r.status });
  } catch (e) {
    deps.logger.error({ err: (e as Error).message }, "stripe webhook failed");
    // 500 makes Stripe retry later; the event is recorded only once handled.
    return Response.json(
      { error: { code: "INTERNAL", message: "webhook handling failed" } },
      { status: 500 },
    );
  }
}
