import { NotBuilt } from "@/components/forms";

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Builds</h1>
          <p className="sub">Images built from Dockerfile.ai on your hosts.</p>
        </div>
      </div>
      <NotBuilt what="Build history, logs, SBOM and scan results will show here." when="the Build feature" />
    </>
  );
}
