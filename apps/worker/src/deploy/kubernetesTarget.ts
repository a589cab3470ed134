// Rolls one kubernetes target out through the API server: server-side apply (field manager "aitk") of
// the objects the core renders, then a watch on each Deployment until it is Available or its progress
// deadline passes. Blue-green applies the idle track first and flips the Service selector only once
// that track is Available. On failure with autoRollback the previous revision's objects are applied
// again (or, with none, the new objects are deleted), so the old revision keeps serving.
import { renderDeployment, type TAIDeployment, type TTarget } from "@aitk/core/deploy/index";
import type { TTargetRollout } from "@aitk/core/deploy/rollout";
import type { Host } from "@aitk/db";
import { hostCredentials } from "@aitk/db/docker/connect";
import {
  AppsV1Api,
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  KubernetesObjectApi,
  PatchStrategy,
  type V1Deployment,
  Watch,
} from "@kubernetes/client-node";

export const FIELD_MANAGER = "aitk";

type TObj = KubernetesObject & { spec?: Record<string, unknown> };

export interface TK8sTargetCtx {
  host: Host;
  secretKeyHex?: string;
  spec: TAIDeployment;
  target: TTarget;
  strategyOverride?: string;
  /** The revision serving now (its spec and, for blue-green, its track), if any. */
  previous: { spec: TAIDeployment; track?: "blue" | "green" } | null;
  timeoutSeconds?: number;
  log(line: string, level?: "info" | "warn" | "error"): Promise<void>;
  update(patch: Partial<TTargetRollout>): Promise<void>;
  signal?: AbortSignal;
}

export type TK8sOutcome =
  | { ok: true; track?: "blue" | "green" }
  | { ok: false; rolledBack: boolean; reason: string };

export function kubeConfigFor(host: Host, secretKeyHex?: string): KubeConfig {
  const creds = hostCredentials(host, { secretKeyHex });
  const b64 = (s?: string) => (s ? Buffer.from(s).toString("base64") : undefined);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: host.name,
        server: host.endpoint,
        ...(creds.ca ? { caData: b64(creds.ca) } : {}),
        // client-node refuses plain http:// unless told so; there is no TLS to verify there anyway.
        skipTLSVerify: host.endpoint.startsWith("http:"),
      },
    ],
    users: [
      {
        name: "aitk",
        ...(creds.token ? { token: creds.token } : {}),
        ...(creds.cert ? { certData: b64(creds.cert) } : {}),
        ...(creds.key ? { keyData: b64(creds.key) } : {}),
      },
    ],
    contexts: [{ name: host.name, cluster: host.name, user: "aitk" }],
    currentContext: host.name,
  });
  return kc;
}

/** The API objects of a target's render (kustomization.yaml is kubectl's, not the API server's). */
export function renderedObjects(
  spec: TAIDeployment,
  target: string,
  opts: { strategy?: string; activeTrack?: "blue" | "green" } = {},
): TObj[] {
  const [r] = renderDeployment(spec, {
    targets: [target],
    ...(opts.strategy ? { strategy: opts.strategy as never } : {}),
    ...(opts.activeTrack ? { activeTrack: opts.activeTrack } : {}),
  });
  const out: TObj[] = [];
  for (const f of r?.files ?? []) {
    if (f.path === "kustomization.yaml") continue;
    const docs = Array.isArray(f.data) ? f.data : [f.data];
    for (const d of docs) if (d && typeof d === "object" && "kind" in d) out.push(d as TObj);
  }
  return out;
}

const errText = (e: unknown) => {
  const err = e as { code?: number; body?: unknown; message?: string };
  let msg = err.message ?? String(e);
  try {
    const b = typeof err.body === "string" ? JSON.parse(err.body) : err.body;
    if (b && typeof b === "object" && "message" in b) msg = String((b as { message: unknown }).message);
  } catch {}
  return err.code ? `HTTP ${err.code}: ${msg}` : msg;
};

export class KubernetesTargetRollout {
  private readonly kc: KubeConfig;
  private readonly objects: KubernetesObjectApi;
  private readonly apps: AppsV1Api;
  private readonly core: CoreV1Api;
  private readonly namespace: string;

  constructor(private readonly c: TK8sTargetCtx) {
    this.kc = kubeConfigFor(c.host, c.secretKeyHex);
    this.objects = KubernetesObjectApi.makeApiClient(this.kc);
    this.apps = this.kc.makeApiClient(AppsV1Api);
    this.core = this.kc.makeApiClient(CoreV1Api);
    this.namespace = c.target.namespace ?? "default";
  }

  private async ensureNamespace(): Promise<void> {
    try {
      await this.core.readNamespace({ name: this.namespace });
    } catch (e) {
      if ((e as { code?: number }).code !== 404) throw e;
      await this.core.createNamespace({
        body: { metadata: { name: this.namespace, labels: { "app.kubernetes.io/managed-by": "aitk" } } },
      });
      await this.c.log(`created namespace ${this.namespace}`);
    }
  }

  private async apply(objs: TObj[]): Promise<void> {
    for (const o of objs) {
      o.metadata = { ...o.metadata, namespace: o.metadata?.namespace ?? this.namespace };
      await this.objects.patch(o, undefined, undefined, FIELD_MANAGER, true, PatchStrategy.ServerSideApply);
      await this.c.log(`applied ${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    }
  }

  private async remove(objs: TObj[]): Promise<void> {
    for (const o of objs) {
      o.metadata = { ...o.metadata, namespace: o.metadata?.namespace ?? this.namespace };
      await this.objects.delete(o).catch(() => undefined);
    }
  }

  /** Watches a Deployment until Available (the current generation fully rolled out) or failed. */
  async waitDeployment(
    name: string,
    timeoutMs: number,
  ): Promise<{ ok: true } | { ok: false; reason: string }> {
    const verdict = (d: V1Deployment | undefined): { ok: true } | { ok: false; reason: string } | null => {
      if (!d?.status || (d.status.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) return null;
      const progressing = d.status.conditions?.find((x) => x.type === "Progressing");
      if (progressing?.status === "False" || progressing?.reason === "ProgressDeadlineExceeded")
        return {
          ok: false,
          reason: `${name}: ${progressing.reason}${progressing.message ? ` (${progressing.message})` : ""}`,
        };
      const want = d.spec?.replicas ?? 1;
      const available = d.status.conditions?.find((x) => x.type === "Available")?.status === "True";
      if (available && (d.status.updatedReplicas ?? 0) >= want && (d.status.availableReplicas ?? 0) >= want)
        return { ok: true };
      return null;
    };
    const first = verdict(await this.apps.readNamespacedDeployment({ name, namespace: this.namespace }));
    if (first) return first;
    return new Promise((resolve) => {
      let done = false;
      let req: AbortController | undefined;
      const finish = (v: { ok: true } | { ok: false; reason: string }) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        clearInterval(poll);
        req?.abort();
        resolve(v);
      };
      const timer = setTimeout(
        () => finish({ ok: false, reason: `${name}: not Available after ${Math.round(timeoutMs / 1000)} s` }),
        timeoutMs,
      );
      // A watch may drop without an event; a slow poll backs it up.
      const poll = setInterval(() => {
        this.apps
          .readNamespacedDeployment({ name, namespace: this.namespace })
          .then((d) => {
            const v = verdict(d);
            if (v) finish(v);
          })
          .catch(() => undefined);
      }, 2000);
      this.c.signal?.addEventListener("abort", () => finish({ ok: false, reason: "cancelled" }), {
        once: true,
      });
      new Watch(this.kc)
        .watch(
          `/apis/apps/v1/namespaces/${this.namespace}/deployments`,
          { fieldSelector: `metadata.name=${name}` },
          (_type, obj) => {
            const v = verdict(obj as V1Deployment);
            if (v) finish(v);
          },
          () => undefined,
        )
        .then((r) => {
          req = r;
          if (done) r.abort();
        })
        .catch(() => undefined);
    });
  }

  private async waitAll(objs: TObj[]): Promise<{ ok: true } | { ok: false; reason: string }> {
    const timeout = (this.c.timeoutSeconds ?? 900) * 1000;
    for (const d of objs.filter((o) => o.kind === "Deployment")) {
      const v = await this.waitDeployment(d.metadata!.name!, timeout);
      if (!v.ok) return v;
      await this.c.log(`deployment ${d.metadata!.name} is Available`);
    }
    return { ok: true };
  }

  async run(): Promise<TK8sOutcome> {
    const c = this.c;
    const strategy = c.strategyOverride ?? renderStrategy(c.spec, c.target);
    await this.ensureNamespace();
    if (strategy === "blue-green") return this.blueGreen();
    const objs = renderedObjects(c.spec, c.target.name, { strategy });
    try {
      await this.apply(objs);
    } catch (e) {
      return this.fail(`server-side apply failed: ${errText(e)}`, objs);
    }
    await c.update({ step: 1, message: "waiting for the rollout" });
    const v = await this.waitAll(objs);
    if (!v.ok) return this.fail(v.reason, objs);
    await this.prune(objs);
    await c.update({ state: "active", trafficPercent: 100, step: 2, message: undefined });
    return { ok: true };
  }

  private async blueGreen(): Promise<TK8sOutcome> {
    const c = this.c;
    // The idle track: the one the Service does not select now (blue first).
    const nextTrack: "blue" | "green" = c.previous?.track === "blue" ? "green" : "blue";
    const objs = renderedObjects(c.spec, c.target.name, { strategy: "blue-green", activeTrack: nextTrack });
    const deployments = objs.filter((o) => o.kind === "Deployment");
    const rest = objs.filter((o) => o.kind !== "Deployment");
    try {
      await this.apply(deployments);
    } catch (e) {
      return this.fail(`server-side apply failed: ${errText(e)}`, deployments, true);
    }
    await c.update({ step: 1, message: `waiting for track ${nextTrack}`, track: c.previous?.track });
    const v = await this.waitAll(deployments);
    if (!v.ok) return this.fail(v.reason, deployments, true);
    // Flip: the Service (and the preview Service, PDB, HPA) now select the new track.
    await this.apply(rest);
    await c.log(`service now selects track ${nextTrack}`);
    await this.prune(objs);
    await c.update({ state: "active", trafficPercent: 100, step: 2, track: nextTrack, message: undefined });
    return { ok: true, track: nextTrack };
  }

  /** Deletes the previous revision's Deployments the new render no longer has (old track, other strategy). */
  private async prune(current: TObj[]): Promise<void> {
    if (!this.c.previous) return;
    const keep = new Set(current.filter((o) => o.kind === "Deployment").map((o) => o.metadata?.name));
    const prev = renderedObjects(this.c.previous.spec, this.c.target.name, {
      ...(this.c.previous.track ? { activeTrack: this.c.previous.track } : {}),
    });
    const stale = prev.filter((o) => o.kind === "Deployment" && !keep.has(o.metadata?.name));
    if (!stale.length) return;
    await this.remove(stale);
    await this.c.log(`removed ${stale.map((o) => o.metadata?.name).join(", ")} of the previous revision`);
  }

  /** Rolls back: the previous revision's objects again, or the new objects removed. */
  private async fail(reason: string, applied: TObj[], blueGreen = false): Promise<TK8sOutcome> {
    const c = this.c;
    await c.log(`rollout failed: ${reason}`, "error");
    const auto = autoRollback(c.spec, c.target);
    if (!auto) return { ok: false, rolledBack: false, reason };
    try {
      if (blueGreen) {
        // The Service never moved: dropping the new track is the whole rollback.
        await this.remove(applied);
      } else if (c.previous) {
        const prev = renderedObjects(c.previous.spec, c.target.name, {
          ...(c.previous.track ? { activeTrack: c.previous.track } : {}),
        });
        await this.apply(prev);
        const v = await this.waitAll(prev);
        if (!v.ok)
          return { ok: false, rolledBack: false, reason: `${reason}; rollback failed too: ${v.reason}` };
      } else {
        await this.remove(applied);
      }
    } catch (e) {
      return { ok: false, rolledBack: false, reason: `${reason}; rollback failed: ${errText(e)}` };
    }
    await c.log(c.previous ? "rolled back to the previous revision" : "removed the failed objects");
    await c.update({ state: "rolled_back", trafficPercent: 0, message: reason, track: c.previous?.track });
    return { ok: false, rolledBack: Boolean(c.previous), reason };
  }
}

function strategyOf(spec: TAIDeployment, target: TTarget) {
  const s = target.strategy ?? spec.spec.strategy ?? "rolling";
  return typeof s === "string" ? { type: s } : s;
}
const renderStrategy = (spec: TAIDeployment, target: TTarget) => strategyOf(spec, target).type;
const autoRollback = (spec: TAIDeployment, target: TTarget) =>
  (strategyOf(spec, target) as { autoRollback?: boolean }).autoRollback ?? true;
