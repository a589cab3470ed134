import { Suspense } from "react";
import { Dashboard } from "@/components/panels/Dashboard";

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Usage</h1>
          <p className="sub">
            Requests, tokens, latency, saturation and cost through the gateway (per-minute rollups).
          </p>
        </div>
      </div>
      <Suspense>
        <Dashboard />
      </Suspense>
    </>
  );
}
