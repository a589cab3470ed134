import type { ReactNode } from "react";

/** A table's header row from plain column titles ("" for an untitled actions column). */
export function THead({ columns }: { columns: readonly string[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: titles may repeat ("") and never reorder
          <th key={i}>{c}</th>
        ))}
      </tr>
    </thead>
  );
}

/** The single muted row a table shows when it has nothing to list. */
export function EmptyRow({ span, children }: { span: number; children: ReactNode }) {
  return (
    <tr>
      <td colSpan={span} className="muted">
        {children}
      </td>
    </tr>
  );
}
