import type { TForm, TFormValue } from "./form";
import type { Store, TObj } from "./store";

export type TRequestContext = {
  method: string;
  /** Path segments after the version, e.g. ["billing", "meters", "mtr_1", "event_summaries"]. */
  segments: string[];
  version: "v1" | "v2";
  params: TForm;
  store: Store;
  requestId: string;
  idempotencyKey: string | undefined;
  /** Records an event and delivers it to every webhook endpoint that wants it. */
  emit(type: string, object: TObj): void;
};

export type TRouteResult = { status?: number; body: unknown };
export type TRoute = (ctx: TRequestContext) => TRouteResult | undefined;

export const str = (v: TFormValue | undefined): string | undefined => (typeof v === "string" ? v : undefined);
export const obj = (v: TFormValue | undefined): Record<string, TFormValue> =>
  v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, TFormValue>) : {};
export const arr = (v: TFormValue | undefined): TFormValue[] =>
  Array.isArray(v) ? v.filter((x) => x !== undefined) : v && typeof v === "object" ? Object.values(v) : [];

export function metadataOf(v: TFormValue | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(obj(v))) if (typeof x === "string" && x !== "") out[k] = x;
  return out;
}

/** Stripe list envelope with limit / starting_after pagination. */
export function listOf(items: TObj[], params: TForm, url: string) {
  const limit = Math.min(Math.max(Number(str(params.limit) ?? 10) || 10, 1), 100);
  const after = str(params.starting_after);
  let start = 0;
  if (after) start = items.findIndex((i) => i.id === after) + 1;
  const page = items.slice(start, start + limit);
  return { object: "list", data: page, has_more: start + limit < items.length, url };
}
