import { Suspense } from "react";
import { AuditLog } from "@/components/audit/AuditLog";

export default function AuditPage() {
  return (
    <>
      <div className="page-head">
        <div>
          <h1>Audit log</h1>
          <p className="sub">
            Every change made in this organization, by a member or an API key. Filters live in the URL; the
            export is JSON lines (also <code>GET /api/v1/audit/export</code> with an admin key).
          </p>
        </div>
      </div>
      <Suspense fallback={<div className="panel muted">Loading…</div>}>
        <AuditLog />
      </Suspense>
    </>
  );
}
