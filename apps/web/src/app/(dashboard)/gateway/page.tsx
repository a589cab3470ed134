import Link from "next/link";
import { getDeps } from "@/server/deps";

export const dynamic = "force-dynamic";

export default function GatewayPage() {
  const gatewayUrl = getDeps().gatewayUrl;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Gateway</h1>
          <p className="sub">OpenAI-compatible endpoint for every model of this organization.</p>
        </div>
      </div>
      <div className="panel">
        <h2>Endpoint</h2>
        <p>
          Base URL: <code>{gatewayUrl}/v1</code>
        </p>
        <pre className="logs">{`curl ${gatewayUrl}/v1/chat/completions \\
  -H "Authorization: Bearer $AITK_API_KEY" -H "Content-Type: application/json" \\
  -d '{"model":"aitk-tiny","messages":[{"role":"user","content":"Hello"}]}'`}</pre>
      </div>
      <div className="grid3">
        <Link className="panel" href="/gateway/keys">
          <h2>API keys</h2>
          <p className="muted">Create, list and revoke keys.</p>
        </Link>
        <Link className="panel" href="/gateway/models">
          <h2>Models</h2>
          <p className="muted">Served models and upstreams.</p>
        </Link>
        <Link className="panel" href="/gateway/usage">
          <h2>Usage</h2>
          <p className="muted">Requests, tokens and cost.</p>
        </Link>
      </div>
    </>
  );
}
