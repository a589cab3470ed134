import { NotBuilt } from "@/components/forms";

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Simulate</h1>
          <p className="sub">Hardware fit, throughput and cost before you deploy.</p>
        </div>
      </div>
      <NotBuilt what="Simulation runs and sweeps will show here." when="the Simulate feature" />
    </>
  );
}
