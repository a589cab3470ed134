import { NotBuilt } from "@/components/forms";

export default function Page() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Deployments</h1>
          <p className="sub">Models running on your hosts, with revisions and rollouts.</p>
        </div>
      </div>
      <NotBuilt
        what="Deployments, revisions, replicas and rollouts will show here."
        when="the Deploy feature"
      />
    </>
  );
}
