import { NotBuilt } from "@/components/forms";

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Usage</h1>
          <p className="sub">Requests, tokens, latency and cost through the gateway.</p>
        </div>
      </div>
      <NotBuilt what="Usage charts per model and API key will show here." when="the Gateway usage feature" />
    </>
  );
}
