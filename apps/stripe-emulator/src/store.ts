import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, writeFileSync } from "node:fs";

// The emulator's whole state, kept in memory and (when a path is given) in a JSON file so the demo
// stack keeps its customers, meters and events across restarts.

export type TObj = Record<string, unknown> & { id: string; object: string; created: number };
export type TMeterEvent = {
  event_name: string;
  identifier: string;
  customer: string;
  value: number;
  timestamp: number;
  created: number;
};
export type TIdempotent = { key: string; paramsHash: string; status: number; body: string; at: number };

type TState = {
  objects: Record<string, TObj>;
  meterEvents: TMeterEvent[];
  /** identifier → time received (seconds), for the rolling 24 h uniqueness window. */
  identifiers: Record<string, number>;
  idempotency: Record<string, TIdempotent>;
  events: TObj[];
  /**
   * Subscription item id → Unix seconds from which its metered usage is billed: the subscription's
   * (possibly backdated) start for its first items, else when the item was added or its price changed.
   */
  itemUsageFrom?: Record<string, number>;
};

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
export function newId(prefix: string, len = 24): string {
  const bytes = randomBytes(len);
  let s = "";
  for (const b of bytes) s += ALPHABET[b % ALPHABET.length];
  return `${prefix}_${s}`;
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

export class Store {
  state: TState = { objects: {}, meterEvents: [], identifiers: {}, idempotency: {}, events: [] };
  private dirty = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly path?: string) {
    if (path && existsSync(path)) this.state = JSON.parse(readFileSync(path, "utf8")) as TState;
  }

  get<T extends TObj = TObj>(id: string, object?: string): T | undefined {
    const o = this.state.objects[id];
    return o && (!object || o.object === object) ? (o as T) : undefined;
  }

  put<T extends TObj>(o: T): T {
    this.state.objects[o.id] = o;
    this.touch();
    return o;
  }

  list(object: string): TObj[] {
    return Object.values(this.state.objects)
      .filter((o) => o.object === object && !o.deleted)
      .sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  }

  touch() {
    if (!this.path) return;
    this.dirty = true;
    this.timer ??= setTimeout(() => this.flush(), 50);
  }

  flush() {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.path || !this.dirty) return;
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(this.state));
    renameSync(tmp, this.path);
    this.dirty = false;
  }

  /** Forgets identifiers and idempotency keys older than 24 h, as Stripe's rolling window does. */
  expire(now = nowSeconds()) {
    for (const [k, t] of Object.entries(this.state.identifiers))
      if (now - t > 86_400) delete this.state.identifiers[k];
    for (const [k, v] of Object.entries(this.state.idempotency))
      if (now - v.at > 86_400) delete this.state.idempotency[k];
  }
}
