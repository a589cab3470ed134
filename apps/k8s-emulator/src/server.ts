import { createHash } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { changedPaths, mergePatch } from "./merge";
import {
  discovery,
  findResource,
  groupList,
  groupVersion,
  RESOURCES,
  type TResource,
  validateObject,
} from "./resources";
import { ObjectStore, type TK8sObject, type TWatchEvent } from "./store";

// A Kubernetes API server emulator: discovery, CRUD, server-side apply (fieldManager, force, conflicts),
// merge patches, label-selector lists, watches, and a Deployment controller that rolls pods out after a
// delay and reports status the way kube-controller-manager does. A container image or annotation that
// says "fail" makes the rollout exceed its progress deadline, to test rollbacks.

export type TK8sEmulatorOptions = {
  /** Bearer token clients must present; no auth when unset. */
  token?: string;
  /** How long a Deployment takes to become Available. */
  rolloutDelayMs?: number;
};

class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
  status() {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      code: this.code,
    };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function matchesSelector(obj: TK8sObject, selector: string | null): boolean {
  if (!selector) return true;
  const labels = obj.metadata.labels ?? {};
  return selector.split(",").every((term) => {
    const t = term.trim();
    const neq = t.match(/^([^!=]+)!=(.*)$/);
    if (neq) return labels[neq[1]!.trim()] !== neq[2]!.trim();
    const eq = t.match(/^([^=]+)==?(.*)$/);
    if (eq) return labels[eq[1]!.trim()] === eq[2]!.trim();
    if (t.startsWith("!")) return !(t.slice(1) in labels);
    return t in labels;
  });
}

export function createK8sEmulator(options: TK8sEmulatorOptions = {}) {
  const store = new ObjectStore();
  store.setMaxListeners(1000);
  const delay = options.rolloutDelayMs ?? 300;
  const timers = new Set<NodeJS.Timeout>();
  const nsRes = RESOURCES.find((x) => x.kind === "Namespace")!;
  const deployRes = RESOURCES.find((x) => x.kind === "Deployment")!;
  const podRes = RESOURCES.find((x) => x.kind === "Pod")!;
  for (const name of ["default", "kube-system"]) {
    store.save(
      nsRes,
      { apiVersion: "v1", kind: "Namespace", metadata: { name }, status: { phase: "Active" } },
      true,
    );
  }

  // --- Deployment controller -------------------------------------------------------------------
  function rollout(d: TK8sObject) {
    const ns = d.metadata.namespace!;
    const name = d.metadata.name;
    const gen = d.metadata.generation!;
    const spec = d.spec ?? {};
    const replicas = Number(spec.replicas ?? 1);
    const template = (spec.template ?? {}) as {
      spec?: { containers?: Array<{ image?: string }> };
      metadata?: { labels?: Record<string, string> };
    };
    const fail =
      (template.spec?.containers ?? []).some((c) => /fail/.test(c.image ?? "")) ||
      d.metadata.annotations?.["emulator.aitk.dev/fail"] === "true";
    const hash = createHash("sha256").update(JSON.stringify(template)).digest("hex").slice(0, 10);
    const setStatus = (status: Record<string, unknown>) => {
      const cur = store.get(deployRes, ns, name);
      if (!cur || cur.metadata.generation !== gen) return; // superseded by a newer spec
      cur.status = status;
      store.save(deployRes, cur, false);
    };
    const now = () => new Date().toISOString().replace(/\.\d+Z$/, "Z");
    setStatus({
      observedGeneration: gen,
      replicas,
      updatedReplicas: 0,
      readyReplicas: 0,
      availableReplicas: 0,
      unavailableReplicas: replicas,
      conditions: [
        {
          type: "Progressing",
          status: "True",
          reason: "ReplicaSetUpdated",
          message: `ReplicaSet "${name}-${hash}" is progressing.`,
          lastUpdateTime: now(),
          lastTransitionTime: now(),
        },
      ],
    });
    const t = setTimeout(() => {
      timers.delete(t);
      const cur = store.get(deployRes, ns, name);
      if (!cur || cur.metadata.generation !== gen) return;
      for (const p of store.list(podRes, ns)) {
        if (p.metadata.labels?.["emulator.aitk.dev/deployment"] === name)
          store.delete(podRes, ns, p.metadata.name);
      }
      for (let i = 0; i < replicas; i++) {
        store.save(
          podRes,
          {
            apiVersion: "v1",
            kind: "Pod",
            metadata: {
              name: `${name}-${hash}-${i}`,
              namespace: ns,
              labels: {
                ...(template.metadata?.labels ?? {}),
                "pod-template-hash": hash,
                "emulator.aitk.dev/deployment": name,
              },
            },
            spec: template.spec ?? {},
            status: fail
              ? {
                  phase: "Pending",
                  conditions: [{ type: "Ready", status: "False", reason: "ContainersNotReady" }],
                }
              : {
                  phase: "Running",
                  podIP: `10.0.0.${i + 10}`,
                  conditions: [{ type: "Ready", status: "True" }],
                },
          },
          true,
        );
      }
      setStatus(
        fail
          ? {
              observedGeneration: gen,
              replicas,
              updatedReplicas: replicas,
              readyReplicas: 0,
              availableReplicas: 0,
              unavailableReplicas: replicas,
              conditions: [
                {
                  type: "Available",
                  status: "False",
                  reason: "MinimumReplicasUnavailable",
                  message: "Deployment does not have minimum availability.",
                  lastUpdateTime: now(),
                  lastTransitionTime: now(),
                },
                {
                  type: "Progressing",
                  status: "False",
                  reason: "ProgressDeadlineExceeded",
                  message: `ReplicaSet "${name}-${hash}" has timed out progressing.`,
                  lastUpdateTime: now(),
                  lastTransitionTime: now(),
                },
              ],
            }
          : {
              observedGeneration: gen,
              replicas,
              updatedReplicas: replicas,
              readyReplicas: replicas,
              availableReplicas: replicas,
              conditions: [
                {
                  type: "Available",
                  status: "True",
                  reason: "MinimumReplicasAvailable",
                  message: "Deployment has minimum availability.",
                  lastUpdateTime: now(),
                  lastTransitionTime: now(),
                },
                {
                  type: "Progressing",
                  status: "True",
                  reason: "NewReplicaSetAvailable",
                  message: `ReplicaSet "${name}-${hash}" has successfully progressed.`,
                  lastUpdateTime: now(),
                  lastTransitionTime: now(),
                },
              ],
            },
      );
    }, delay);
    timers.add(t);
  }

  // --- Writes ----------------------------------------------------------------------------------
  async function write(
    res: TResource,
    ns: string | undefined,
    obj: TK8sObject,
    existing: TK8sObject | undefined,
  ) {
    obj.metadata.namespace = res.namespaced ? ns : undefined;
    if (res.namespaced && !store.get(nsRes, undefined, ns!)) {
      throw new ApiError(404, "NotFound", `namespaces "${ns}" not found`);
    }
    const { status: _s, ...forValidation } = obj;
    const problem = await validateObject(res, {
      ...forValidation,
      metadata: { ...obj.metadata, managedFields: undefined },
    });
    if (problem)
      throw new ApiError(422, "Invalid", `${res.kind} "${obj.metadata.name}" is invalid: ${problem}`);
    if (existing && !("status" in obj)) obj.status = existing.status;
    const specChanged =
      !existing || JSON.stringify(existing.spec ?? null) !== JSON.stringify(obj.spec ?? null);
    const saved = store.save(res, obj, specChanged);
    if (res.kind === "Deployment" && specChanged) rollout(saved);
    if (res.kind === "Namespace" && !saved.status) {
      saved.status = { phase: "Active" };
      store.save(res, saved, false);
    }
    return saved;
  }

  async function apply(res: TResource, ns: string | undefined, name: string, body: string, url: URL) {
    const manager = url.searchParams.get("fieldManager");
    if (!manager)
      throw new ApiError(
        400,
        "BadRequest",
        "PATCH, fieldManager: Required value: is required for apply patch",
      );
    const force = url.searchParams.get("force") === "true";
    let patch: TK8sObject;
    try {
      patch = parseYaml(body) as TK8sObject;
    } catch (e) {
      throw new ApiError(400, "BadRequest", `error decoding YAML: ${(e as Error).message}`);
    }
    if (!patch?.metadata?.name)
      throw new ApiError(400, "BadRequest", "metadata.name is required in an apply patch");
    if (patch.metadata.name !== name)
      throw new ApiError(
        400,
        "BadRequest",
        `the name of the object (${patch.metadata.name}) does not match the name on the URL (${name})`,
      );
    const existing = store.get(res, ns, name);
    const managers = (existing?.metadata.managedFields ?? []) as Array<{
      manager: string;
      operation: string;
    }>;
    const others = managers.filter((m) => m.manager !== manager);
    if (existing && others.length && !force) {
      const conflicts = changedPaths(
        { spec: existing.spec, metadata: { labels: existing.metadata.labels } },
        { spec: patch.spec, metadata: { labels: patch.metadata.labels } },
      );
      if (conflicts.length) {
        throw new ApiError(
          409,
          "Conflict",
          `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? "s" : ""}: ${conflicts.map((p) => `conflict with "${others[0]!.manager}": ${p}`).join("; ")}`,
        );
      }
    }
    const merged = (
      existing ? mergePatch(existing, { ...patch, status: undefined }) : { ...patch }
    ) as TK8sObject;
    merged.metadata.managedFields = [
      ...(force ? [] : others),
      {
        manager,
        operation: "Apply",
        apiVersion: patch.apiVersion,
        time: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
        fieldsType: "FieldsV1",
        fieldsV1: {},
      },
    ];
    return { obj: await write(res, ns, merged, existing), created: !existing };
  }

  // --- Watch -----------------------------------------------------------------------------------
  function watch(
    req: IncomingMessage,
    res: ServerResponse,
    resource: TResource,
    ns: string | undefined,
    url: URL,
  ) {
    const selector = url.searchParams.get("labelSelector");
    const fieldName = url.searchParams.get("fieldSelector")?.match(/metadata\.name=([^,]+)/)?.[1];
    const sinceRv = Number(url.searchParams.get("resourceVersion") ?? 0);
    const keep = (o: TK8sObject) =>
      (!resource.namespaced || !ns || o.metadata.namespace === ns) &&
      matchesSelector(o, selector) &&
      (!fieldName || o.metadata.name === fieldName);
    res.writeHead(200, { "content-type": "application/json" });
    res.flushHeaders();
    if (!sinceRv)
      for (const o of store.list(resource, ns).filter(keep))
        res.write(`${JSON.stringify({ type: "ADDED", object: o })}\n`);
    const prefix = `${resource.group}/${resource.name}/`;
    const listener = (ev: TWatchEvent) => {
      if (ev.rv <= sinceRv) return;
      if (
        store.key(resource, ev.object.metadata.namespace, ev.object.metadata.name).startsWith(prefix) &&
        ev.object.kind === resource.kind &&
        keep(ev.object)
      ) {
        res.write(`${JSON.stringify({ type: ev.type, object: ev.object })}\n`);
      }
    };
    store.on("event", listener);
    const timeout = Number(url.searchParams.get("timeoutSeconds") ?? 1800) * 1000;
    const t = setTimeout(() => res.end(), timeout);
    const stop = () => {
      clearTimeout(t);
      store.off("event", listener);
    };
    req.on("close", stop);
    res.on("close", stop);
  }

  // --- Routing ---------------------------------------------------------------------------------
  async function handle(req: IncomingMessage, res: ServerResponse) {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    try {
      const url = new URL(req.url ?? "/", "http://k8s");
      const method = req.method ?? "GET";
      if (url.pathname === "/healthz" || url.pathname === "/readyz") return void res.end("ok");
      if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
        throw new ApiError(401, "Unauthorized", "Unauthorized");
      }
      const seg = url.pathname.split("/").filter(Boolean).map(decodeURIComponent);
      if (url.pathname === "/version")
        return send(200, {
          major: "1",
          minor: "31",
          gitVersion: "v1.31.0-aitk-emulator",
          platform: "linux/amd64",
        });
      if (url.pathname === "/api")
        return send(200, { kind: "APIVersions", versions: ["v1"], serverAddressByClientCIDRs: [] });
      if (url.pathname === "/apis") return send(200, groupList());
      let group: string;
      let version: string;
      let rest: string[];
      if (seg[0] === "api" && seg[1]) [group, version, rest] = ["", seg[1], seg.slice(2)];
      else if (seg[0] === "apis" && seg[1] && seg[2]) [group, version, rest] = [seg[1], seg[2], seg.slice(3)];
      else throw new ApiError(404, "NotFound", "the server could not find the requested resource");
      if (!rest.length) {
        const d = discovery(group, version);
        if (!d) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
        return send(200, d);
      }
      let ns: string | undefined;
      let resName: string;
      let name: string | undefined;
      let sub: string | undefined;
      if (rest[0] === "namespaces" && rest.length >= 3)
        [ns, resName, name, sub] = [rest[1], rest[2]!, rest[3], rest[4]];
      else [resName, name, sub] = [rest[0]!, rest[1], rest[2]];
      const resource = findResource(group, version, resName);
      if (!resource) throw new ApiError(404, "NotFound", "the server could not find the requested resource");
      const what = `${resource.name}${resource.group ? `.${resource.group}` : ""}`;

      if (method === "GET" && !name) {
        if (url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1")
          return watch(req, res, resource, ns, url);
        const selector = url.searchParams.get("labelSelector");
        return send(200, {
          kind: `${resource.kind}List`,
          apiVersion: groupVersion(resource),
          metadata: { resourceVersion: String(store.currentRv) },
          items: store.list(resource, ns).filter((o) => matchesSelector(o, selector)),
        });
      }
      if (method === "POST" && !name) {
        const obj = JSON.parse(await readBody(req)) as TK8sObject;
        if (!obj.metadata?.name)
          throw new ApiError(422, "Invalid", `${resource.kind} is invalid: metadata.name: Required value`);
        if (store.get(resource, ns, obj.metadata.name))
          throw new ApiError(409, "AlreadyExists", `${what} "${obj.metadata.name}" already exists`);
        return send(201, await write(resource, ns, obj, undefined));
      }
      if (!name)
        throw new ApiError(
          405,
          "MethodNotAllowed",
          `the server does not allow this method on the requested resource`,
        );
      const existing = store.get(resource, ns, name);
      if (method === "GET") {
        if (!existing) throw new ApiError(404, "NotFound", `${what} "${name}" not found`);
        return send(200, existing);
      }
      if (method === "DELETE") {
        if (!existing) throw new ApiError(404, "NotFound", `${what} "${name}" not found`);
        store.delete(resource, ns, name);
        if (resource.kind === "Deployment") {
          for (const p of store.list(podRes, ns))
            if (p.metadata.labels?.["emulator.aitk.dev/deployment"] === name)
              store.delete(podRes, ns, p.metadata.name);
        }
        return send(200, {
          kind: "Status",
          apiVersion: "v1",
          metadata: {},
          status: "Success",
          details: { name, kind: resource.name, uid: existing.metadata.uid },
        });
      }
      if (method === "PUT") {
        if (!existing) throw new ApiError(404, "NotFound", `${what} "${name}" not found`);
        const obj = JSON.parse(await readBody(req)) as TK8sObject;
        if (sub === "status")
          return send(200, await write(resource, ns, { ...existing, status: obj.status }, existing));
        return send(200, await write(resource, ns, obj, existing));
      }
      if (method === "PATCH") {
        const type = String(req.headers["content-type"] ?? "");
        const body = await readBody(req);
        if (type.startsWith("application/apply-patch")) {
          const r = await apply(resource, ns, name, body, url);
          return send(r.created ? 201 : 200, r.obj);
        }
        if (!existing) throw new ApiError(404, "NotFound", `${what} "${name}" not found`);
        if (
          type.startsWith("application/merge-patch+json") ||
          type.startsWith("application/strategic-merge-patch+json")
        ) {
          const merged = mergePatch(existing, JSON.parse(body)) as TK8sObject;
          return send(200, await write(resource, ns, merged, existing));
        }
        throw new ApiError(
          415,
          "UnsupportedMediaType",
          `the body of the request was in an unknown format - accepted media types include: application/merge-patch+json, application/strategic-merge-patch+json, application/apply-patch+yaml`,
        );
      }
      throw new ApiError(
        405,
        "MethodNotAllowed",
        "the server does not allow this method on the requested resource",
      );
    } catch (e) {
      const err =
        e instanceof ApiError
          ? e
          : e instanceof SyntaxError
            ? new ApiError(400, "BadRequest", `error decoding body: ${e.message}`)
            : new ApiError(500, "InternalError", String(e));
      if (!res.headersSent) send(err.code, err.status());
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res));
  return {
    server,
    store,
    listen(port: number, host = "127.0.0.1"): Promise<number> {
      return new Promise((resolve) =>
        server.listen(port, host, () => resolve((server.address() as { port: number }).port)),
      );
    },
    close(): Promise<void> {
      for (const t of timers) clearTimeout(t);
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
