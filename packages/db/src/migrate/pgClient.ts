import pg from "pg";

const OID_CHAR = 18; // Postgres' internal one-byte "char" (pg_constraint.contype and friends)
const OID_TEXT = 25;

type TQueryResultLike = { fields?: { dataTypeID: number }[] };

function charColumnsAsText<T>(result: T): T {
  const results = Array.isArray(result) ? result : [result];
  for (const r of results as TQueryResultLike[]) {
    for (const field of r?.fields ?? []) if (field.dataTypeID === OID_CHAR) field.dataTypeID = OID_TEXT;
  }
  return result;
}

/**
 * The schema engine introspects catalogs whose columns use `"char"`, a type @prisma/adapter-pg refuses to
 * map. pg already hands those values over as strings, so relabelling the column as text is enough.
 * Used only for the migration engine's connections, never for application queries.
 */
export class CharAsTextClient extends pg.Client {
  // biome-ignore lint/suspicious/noExplicitAny: pg's query() is a many-overload function we pass through.
  override query(...args: any[]): any {
    const last = args.length - 1;
    const callback = args[last];
    if (typeof callback === "function") {
      args[last] = (err: Error | null, res: unknown) => callback(err, err ? res : charColumnsAsText(res));
      // biome-ignore lint/suspicious/noExplicitAny: see above
      return (super.query as any)(...args);
    }
    // A config object that carries its own callback (pg's Query form) is used by pg-pool.
    const first = args[0];
    if (first && typeof first === "object" && typeof first.callback === "function") {
      const cb = first.callback;
      first.callback = (err: Error | null, res: unknown) => cb(err, err ? res : charColumnsAsText(res));
      // biome-ignore lint/suspicious/noExplicitAny: see above
      return (super.query as any)(...args);
    }
    // biome-ignore lint/suspicious/noExplicitAny: see above
    const out = (super.query as any)(...args);
    return out && typeof out.then === "function" ? out.then(charColumnsAsText) : out;
  }
}
