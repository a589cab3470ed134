// Stripe's request encoding: application/x-www-form-urlencoded with bracketed keys
// (payload[value]=42, items[0][price]=price_1, expand[]=x), decoded into nested objects and arrays.

export type TFormValue = string | TFormValue[] | { [k: string]: TFormValue };
export type TForm = { [k: string]: TFormValue };

function splitKey(key: string): string[] {
  const m = key.match(/^([^[\]]+)((?:\[[^[\]]*\])*)$/);
  if (!m) return [key];
  const rest = [...(m[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((x) => x[1] ?? "");
  return [m[1]!, ...rest];
}

export function decodeForm(body: string): TForm {
  const root: TForm = {};
  if (!body) return root;
  for (const pair of body.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const rawKey = eq < 0 ? pair : pair.slice(0, eq);
    const rawVal = eq < 0 ? "" : pair.slice(eq + 1);
    const key = decodeURIComponent(rawKey.replace(/\+/g, " "));
    const value = decodeURIComponent(rawVal.replace(/\+/g, " "));
    const path = splitKey(key);
    let node: Record<string, TFormValue> | TFormValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const last = i === path.length - 1;
      const nextIsIndex = !last && /^\d*$/.test(path[i + 1]!);
      if (Array.isArray(node)) {
        const idx = seg === "" ? node.length : Number(seg);
        if (last) node[idx] = value;
        else {
          node[idx] ??= nextIsIndex ? [] : {};
          node = node[idx] as Record<string, TFormValue> | TFormValue[];
        }
      } else if (last) {
        node[seg] = value;
      } else {
        node[seg] ??= nextIsIndex ? [] : {};
        node = node[seg] as Record<string, TFormValue> | TFormValue[];
      }
    }
  }
  return root;
}
