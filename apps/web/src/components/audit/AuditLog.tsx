"use client";

import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { usePathname, useRouter, useSearchParams } from "next/navigation";
import { type FormEvent, Fragment, type ReactNode, useState } from "react";
import { errorMessage, useTRPC } from "@/trpc/client";
import { diffJson, type TDiffRow } from "./diff";
import { exportHref, filtersFromParams, filtersToParams, filtersToQuery } from "./filters";
import { EmptyRow, THead } from "@/components/ui/table";

const show = (v: unknown) => (v === undefined ? "" : JSON.stringify(v));

const DIFF_COLORS: Record<TDiffRow["kind"], string | undefined> = {
  added: "var(--ok)",
  removed: "var(--bad, #c62828)",
  changed: "var(--warn, #b26a00)",
  same: undefined,
};

function DiffTable({ before, after }: { before: unknown; after: unknown }) {
  const rows = diffJson(before, after);
  if (rows.length === 0) return <span className="muted">no details recorded</span>;
  return (
    <table className="small" data-testid="audit-diff">
      <THead columns={["Field", "Before", "After"]} />
      <tbody>
        {rows.map((r) => (
          <tr key={r.path} data-kind={r.kind}>
            <td className="mono" style={{ color: DIFF_COLORS[r.kind] }}>
              {r.kind === "added" ? "+ " : r.kind === "removed" ? "− " : r.kind === "changed" ? "~ " : "  "}
              {r.path}
            </td>
            <td className="mono" style={r.kind === "same" ? { opacity: 0.6 } : undefined}>
              {r.kind === "added" ? "" : show(r.before)}
            </td>
            <td className="mono" style={r.kind === "same" ? { opacity: 0.6 } : undefined}>
              {r.kind === "removed" ? "" : show(r.after)}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A select that keeps the URL's value while its options are still loading (an uncontrolled one would
 * fall back to the first option); the form remounts it when the URL changes.
 */
function ControlledSelect({
  label,
  name,
  initial,
  children,
}: {
  label: string;
  name: string;
  initial: string;
  children: ReactNode;
}) {
  const [value, setValue] = useState(initial);
  return (
    <label>
      {label}
      <select name={name} value={value} onChange={(e) => setValue(e.target.value)}>
        {children}
      </select>
    </label>
  );
}

/** One-line summary of what changed, for the collapsed row. */
function summary(before: unknown, after: unknown): string {
  const rows = diffJson(before, after).filter((r) => r.kind !== "same");
  if (rows.length === 0) return "";
  const parts = rows
    .slice(0, 3)
    .map((r) =>
      r.kind === "changed"
        ? `${r.path}: ${show(r.before)} → ${show(r.after)}`
        : `${r.kind === "added" ? "+" : "−"}${r.path}`,
    );
  return parts.join(", ") + (rows.length > 3 ? ` (+${rows.length - 3} more)` : "");
}

export function AuditLog() {
  const trpc = useTRPC();
  const router = useRouter();
  const pathname = usePathname();
  const params = useSearchParams();
  const filters = filtersFromParams(new URLSearchParams(params.toString()));
  const facets = useQuery(trpc.audit.facets.queryOptions());
  const q = useInfiniteQuery(
    trpc.audit.list.infiniteQueryOptions(
      { ...filtersToQuery(filters), limit: 50 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
  );
  const [open, setOpen] = useState<Set<string>>(new Set());

  function apply(next: typeof filters) {
    const s = filtersToParams(next).toString();
    router.replace(s ? `${pathname}?${s}` : pathname, { scroll: false });
  }

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const f = new FormData(e.currentTarget);
    const v = (k: string) => String(f.get(k) ?? "").trim() || undefined;
    apply({
      actor: v("actor"),
      action: v("action"),
      targetType: v("targetType"),
      from: v("from"),
      to: v("to"),
    });
  }

  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (n.has(id)) n.delete(id);
      else n.add(id);
      return n;
    });

  const rows = q.data?.pages.flatMap((p) => p.items) ?? [];
  const formKey = filtersToParams(filters).toString();
  return (
    <div className="panel">
      <form
        key={formKey}
        className="row"
        onSubmit={onSubmit}
        style={{ alignItems: "flex-end", marginBottom: 10 }}
        data-testid="audit-filters"
      >
        <ControlledSelect label="Actor" name="actor" initial={filters.actor ?? ""}>
          <option value="">anyone</option>
          {facets.data?.actors.map((a) => (
            <option key={`${a.kind}:${a.id}`} value={`${a.kind}:${a.id}`}>
              {a.label}
            </option>
          ))}
        </ControlledSelect>
        <label>
          Action starts with
          <input
            name="action"
            list="audit-actions"
            placeholder="apiKey."
            defaultValue={filters.action ?? ""}
          />
          <datalist id="audit-actions">
            {facets.data?.actions.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <ControlledSelect label="Target type" name="targetType" initial={filters.targetType ?? ""}>
          <option value="">any</option>
          {facets.data?.targetTypes.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
          {filters.targetType && !facets.data?.targetTypes.includes(filters.targetType) && (
            <option value={filters.targetType}>{filters.targetType}</option>
          )}
        </ControlledSelect>
        <label>
          From
          <input name="from" type="date" defaultValue={filters.from ?? ""} />
        </label>
        <label>
          To
          <input name="to" type="date" defaultValue={filters.to ?? ""} />
        </label>
        <button type="submit" className="primary">
          Filter
        </button>
        {formKey && (
          <button type="button" onClick={() => apply({})}>
            Clear
          </button>
        )}
        <span className="spacer" />
        <a className="btn" href={exportHref(filters)} download data-testid="audit-export">
          Download JSON lines
        </a>
      </form>
      {(q.error || facets.error) && (
        <div className="alert error">{errorMessage(q.error ?? facets.error)}</div>
      )}
      <table data-testid="audit-table">
        <THead columns={["When", "Actor", "Action", "Target", "Change", "IP"]} />
        <tbody>
          {rows.map((r) => (
            <Fragment key={r.id}>
              <tr>
                <td className="small">{new Date(r.createdAt).toLocaleString()}</td>
                <td className="small">
                  {r.actorEmail ?? (r.actorApiKeyId ? `key ${r.actorApiKeyId.slice(0, 10)}…` : "system")}
                </td>
                <td className="mono">{r.action}</td>
                <td className="small">
                  {r.targetType} <span className="mono muted">{r.targetId?.slice(0, 12)}</span>
                </td>
                <td className="small" style={{ maxWidth: 480 }}>
                  {(r.before != null || r.after != null) && (
                    <button type="button" onClick={() => toggle(r.id)} aria-expanded={open.has(r.id)}>
                      {open.has(r.id) ? "Hide" : "Diff"}
                    </button>
                  )}{" "}
                  <span className="mono">{summary(r.before, r.after)}</span>
                </td>
                <td className="small">{r.ip}</td>
              </tr>
              {open.has(r.id) && (
                <tr>
                  <td colSpan={6}>
                    <DiffTable before={r.before} after={r.after} />
                  </td>
                </tr>
              )}
            </Fragment>
          ))}
          {rows.length === 0 && !q.isLoading && (
            <EmptyRow span={6}>
              {formKey ? "Nothing matches these filters." : "Nothing recorded yet."}
            </EmptyRow>
          )}
        </tbody>
      </table>
      {q.hasNextPage && (
        <button type="button" onClick={() => q.fetchNextPage()} disabled={q.isFetchingNextPage}>
          Load more
        </button>
      )}
    </div>
  );
}
