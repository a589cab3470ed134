"use client";
// Time range and filters live in the URL (?range=24h&model=…&key=…), so a view can be shared and
// survives a reload.
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { useCallback } from "react";

export type TDashboardParams = { range: string; model?: string; apiKeyId?: string };

export function useDashboardParams(defaultRange = "24h") {
  const sp = useSearchParams();
  const router = useRouter();
  const pathname = usePathname();
  const params: TDashboardParams = {
    range: sp.get("range") ?? defaultRange,
    model: sp.get("model") ?? undefined,
    apiKeyId: sp.get("key") ?? undefined,
  };
  const set = useCallback(
    (patch: Partial<Record<"range" | "model" | "key", string | null>>) => {
      const next = new URLSearchParams(sp.toString());
      for (const [k, v] of Object.entries(patch)) {
        if (v) next.set(k, v);
        else next.delete(k);
      }
      router.replace(`${pathname}?${next.toString()}`, { scroll: false });
    },
    [sp, router, pathname],
  );
  return { params, set };
}
