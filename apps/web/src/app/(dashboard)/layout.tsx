import { redirect } from "next/navigation";
import type { ReactNode } from "react";
import { Sidebar } from "@/components/Sidebar";
import { currentSession, requestedOrgFromCookies } from "@/server/auth/session";
import { getDeps } from "@/server/deps";
import { listMyOrgs, resolveMembership } from "@/server/services/org";

export const dynamic = "force-dynamic";

export default async function DashboardLayout({ children }: { children: ReactNode }) {
  const session = await currentSession();
  if (!session) redirect("/sign-in");
  const deps = getDeps();
  const m = await resolveMembership(deps, session.userId, await requestedOrgFromCookies());
  if (!m) redirect("/new-org");
  const orgs = await listMyOrgs(deps, session.userId);
  return (
    <div className="shell">
      <Sidebar orgs={orgs} activeOrgId={m.orgId} email={session.email} />
      <main className="main">{children}</main>
    </div>
  );
}
