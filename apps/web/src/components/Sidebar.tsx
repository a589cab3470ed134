"use client";

import { useMutation } from "@tanstack/react-query";
import Link from "next/link";
import { usePathname, useRouter } from "next/navigation";
import { signOut } from "@/lib/authClient";
import { useTRPC } from "@/trpc/client";

export type TNavItem = { href: string; label: string; soon?: boolean; sub?: boolean };

// Other features add their page and flip `soon` off here.
export const NAV: TNavItem[] = [
  { href: "/", label: "Overview" },
  { href: "/builds", label: "Builds" },
  { href: "/builds/compat", label: "Compatibility", sub: true },
  { href: "/simulate", label: "Simulate" },
  { href: "/deployments", label: "Deployments" },
  { href: "/gateway", label: "Gateway" },
  { href: "/gateway/playground", label: "Try it", sub: true },
  { href: "/gateway/keys", label: "API keys", sub: true },
  { href: "/gateway/usage", label: "Usage", sub: true },
  { href: "/billing", label: "Billing" },
  { href: "/hosts", label: "Hosts" },
  { href: "/jobs", label: "Jobs" },
  { href: "/settings", label: "Settings" },
  { href: "/audit", label: "Audit" },
];

type TOrg = { id: string; name: string; role: string };

export function Sidebar({ orgs, activeOrgId, email }: { orgs: TOrg[]; activeOrgId: string; email: string }) {
  const pathname = usePathname();
  const router = useRouter();
  const trpc = useTRPC();
  const switchOrg = useMutation(
    trpc.account.switchOrg.mutationOptions({
      onSuccess: () => {
        // Everything on screen belongs to the old org: reload from the server.
        window.location.assign("/");
      },
    }),
  );
  const isActive = (href: string) =>
    href === "/" ? pathname === "/" : pathname === href || pathname.startsWith(`${href}/`);
  const activeHref = NAV.filter((n) => isActive(n.href)).sort((a, b) => b.href.length - a.href.length)[0]
    ?.href;
  return (
    <aside className="sidebar">
      <div className="brand">
        ai<span>tk</span>
      </div>
      <select
        aria-label="Organization"
        data-testid="org-switcher"
        value={activeOrgId}
        disabled={switchOrg.isPending}
        onChange={(e) => {
          if (e.target.value === "__new") router.push("/new-org");
          else switchOrg.mutate({ orgId: e.target.value });
        }}
      >
        {orgs.map((o) => (
          <option key={o.id} value={o.id}>
            {o.name} ({o.role})
          </option>
        ))}
        <option value="__new">+ New organization…</option>
      </select>
      <nav className="nav">
        {NAV.map((n) => (
          <Link
            key={n.href}
            href={n.href}
            className={`${n.href === activeHref ? "active" : ""} ${n.sub ? "sub" : ""}`}
          >
            <span>{n.label}</span>
            {n.soon && <span className="soon">soon</span>}
          </Link>
        ))}
      </nav>
      <div className="foot">
        <span title={email}>{email}</span>
        <button
          type="button"
          onClick={async () => {
            await signOut();
            window.location.assign("/sign-in");
          }}
        >
          Sign out
        </button>
      </div>
    </aside>
  );
}
