import { GatewayDashboard } from "@/components/gateway/GatewayDashboard";
import { getDeps } from "@/server/deps";

export const dynamic = "force-dynamic";

export default function GatewayPage() {
  const gatewayUrl = getDeps().gatewayUrl;
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Gateway</h1>
          <p className="sub">
            OpenAI-compatible endpoint for every model of this organization: health, latency and load per
            model and endpoint.
          </p>
        </div>
      </div>
      <GatewayDashboard gatewayUrl={gatewayUrl} />
    </>
  );
}
