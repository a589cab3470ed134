import { randomUUID } from "node:crypto";
import { EventEmitter } from "node:events";
import type { TResource } from "./resources";

export type TK8sObject = {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    generation?: number;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    managedFields?: Array<Record<string, unknown>>;
    [k: string]: unknown;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [k: string]: unknown;
};

export type TWatchEvent = { type: "ADDED" | "MODIFIED" | "DELETED"; object: TK8sObject; rv: number };

/** Objects keyed by resource + namespace + name, with one global resourceVersion counter like etcd's. */
export class ObjectStore extends EventEmitter {
  private rv = 1;
  private readonly objects = new Map<string, TK8sObject>();

  key(res: TResource, ns: string | undefined, name: string) {
    return `${res.group}/${res.name}/${res.namespaced ? ns : ""}/${name}`;
  }

  get currentRv() {
    return this.rv;
  }

  get(res: TResource, ns: string | undefined, name: string): TK8sObject | undefined {
    const o = this.objects.get(this.key(res, ns, name));
    return o ? structuredClone(o) : undefined;
  }

  list(res: TResource, ns: string | undefined): TK8sObject[] {
    const prefix = `${res.group}/${res.name}/`;
    return [...this.objects.entries()]
      .filter(([k, o]) => k.startsWith(prefix) && (!res.namespaced || !ns || o.metadata.namespace === ns))
      .map(([, o]) => structuredClone(o))
      .sort((a, b) => (a.metadata.name < b.metadata.name ? -1 : 1));
  }

  save(res: TResource, obj: TK8sObject, specChanged: boolean): TK8sObject {
    const key = this.key(res, obj.metadata.namespace, obj.metadata.name);
    const existing = this.objects.get(key);
    const now = new Date().toISOString();
    obj.metadata.uid = existing?.metadata.uid ?? randomUUID();
    obj.metadata.creationTimestamp = existing?.metadata.creationTimestamp ?? now.replace(/\.\d+Z$/, "Z");
    obj.metadata.generation = (existing?.metadata.generation ?? 0) + (existing ? (specChanged ? 1 : 0) : 1);
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, structuredClone(obj));
    this.emit("event", {
      type: existing ? "MODIFIED" : "ADDED",
      object: structuredClone(obj),
      rv: this.rv,
    } satisfies TWatchEvent);
    return obj;
  }

  delete(res: TResource, ns: string | undefined, name: string): TK8sObject | undefined {
    const key = this.key(res, ns, name);
    const o = this.objects.get(key);
    if (!o) return undefined;
    this.objects.delete(key);
    o.metadata.resourceVersion = String(++this.rv);
    this.emit("event", { type: "DELETED", object: structuredClone(o), rv: this.rv } satisfies TWatchEvent);
    return o;
  }
}
