// Rolls one docker / docker-compose target of a revision onto its Docker host, replica by replica, with
// the gateway's endpoint weights doing the traffic switching:
//   recreate   stop the old replicas, start the new ones
//   rolling    start new #i → health gate → route to it → drain and stop old #i, one at a time
//   blue-green start every new (green) replica at weight 0 → health gate → one transaction moves all
//              weight to green → wait for blue's in-flight requests → stop blue
//   canary     start the new replicas at weight 0, then walk the step plan (weight, pause), checking
//              health and the error rate of the canary's requests (UsageEvent) after each pause
// Any failed gate with autoRollback puts the weights back, stops the new replicas (restoring old ones a
// rolling update had already replaced) and leaves the old revision serving.
import { randomBytes } from "node:crypto";
import { encryptSecret } from "@aitk/core/crypto/secrets";
import { errorRate, splitWeights, type TTargetRollout } from "@aitk/core/deploy/rollout";
import type { TAIDeployment, TResolvedStrategy, TTarget, TTargetPlan } from "@aitk/core/deploy/index";
import type { Host, TPrisma } from "@aitk/db";
import type Docker from "dockerode";
import {
  createAndStart,
  freePort,
  hostAddress,
  inFlight,
  removeContainer,
  replicaBody,
  replicaPlan,
  waitHealthy,
} from "./dockerReplica";
import { addEndpoint, removeEndpoints, setWeights, type TRoutingDeps } from "./routing";

export interface TDockerTargetCtx extends TRoutingDeps {
  prisma: TPrisma;
  docker: Docker;
  host: Host;
  orgId: string;
  deployment: { id: string; name: string };
  revision: { id: string; number: number };
  spec: TAIDeployment;
  target: TTarget;
  strategyOverride?: string;
  servedModelId: string;
  log(line: string, level?: "info" | "warn" | "error"): Promise<void>;
  update(patch: Partial<TTargetRollout>): Promise<void>;
  signal?: AbortSignal;
  /** AITK_SECRET_KEY: encrypts the per-replica engine keys of remote hosts. */
  secretKeyHex?: string;
  /** Time for every gateway to pick up a routing change before draining is measured (default 1500 ms). */
  propagationMs?: number;
}

type TLive = {
  replicaId: string;
  containerId: string;
  url: string;
  port: number;
  endpointId: string | null;
  plan: TTargetPlan;
};

export type TTargetOutcome = { ok: true } | { ok: false; rolledBack: boolean; reason: string };

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });

export class DockerTargetRollout {
  private readonly addr: string;
  private readonly local: boolean;
  private readonly ports = new Set<number>();
  readonly fresh: TLive[] = [];
  old: TLive[] = [];
  /** The revision old replicas run, to restore replicas a failed rolling update already replaced. */
  private restoreFrom: { revisionId: string; number: number; spec: TAIDeployment } | null = null;
  readonly strategy: TResolvedStrategy;
  /** The job's signal; dropped once cancelled, so the clean-up itself can still wait and drain. */
  private signal: AbortSignal | undefined;

  constructor(private readonly c: TDockerTargetCtx) {
    this.signal = c.signal;
    this.addr = hostAddress(c.host.endpoint);
    this.local = this.addr === "127.0.0.1";
    this.strategy = replicaPlan(c.spec, c.target, 1, c.strategyOverride).strategy;
  }

  get wanted(): number {
    return replicaPlan(this.c.spec, this.c.target, 1).replicas;
  }

  /** Replicas of earlier revisions of this deployment still running for this target. */
  async loadOld(): Promise<void> {
    const rows = await this.c.prisma.replica.findMany({
      where: {
        orgId: this.c.orgId,
        target: this.c.target.name,
        revisionId: { not: this.c.revision.id },
        revision: { deploymentId: this.c.deployment.id },
        status: { in: ["healthy", "starting", "unhealthy", "creating"] },
      },
      include: { endpoints: true, revision: true },
      orderBy: { name: "asc" },
    });
    this.old = [];
    for (const r of rows) {
      if (!r.containerId || !r.url) continue;
      const spec = r.revision.spec as unknown as TAIDeployment;
      this.restoreFrom ??= { revisionId: r.revisionId, number: r.revision.number, spec };
      const port = Number(new URL(r.url).port);
      this.ports.add(port);
      this.old.push({
        replicaId: r.id,
        containerId: r.containerId,
        url: r.url,
        port,
        endpointId: r.endpoints[0]?.id ?? null,
        plan: replicaPlan(spec, this.c.target, port),
      });
    }
  }

  /** Creates, starts and health-gates replica `index` of `spec` (the new revision unless restoring). */
  private async start(
    index: number,
    weight: number,
    restore?: { revisionId: string; number: number; spec: TAIDeployment },
  ): Promise<{ ok: true; live: TLive } | { ok: false; reason: string }> {
    const c = this.c;
    const revisionId = restore?.revisionId ?? c.revision.id;
    const revisionNumber = restore?.number ?? c.revision.number;
    const spec = restore?.spec ?? c.spec;
    const port = await freePort(c.docker, this.local, this.ports);
    const plan = replicaPlan(spec, c.target, port, restore ? undefined : c.strategyOverride);
    const name = `${c.target.name}-r${revisionNumber}-${index}`;
    const replica = await c.prisma.replica.create({
      data: {
        orgId: c.orgId,
        revisionId,
        target: c.target.name,
        hostId: c.host.id,
        name,
        status: "creating",
      },
    });
    const url = `http://${this.addr}:${port}`;
    const body = replicaBody(plan, {
      orgId: c.orgId,
      deploymentId: c.deployment.id,
      revisionId,
      revisionNumber,
      replicaId: replica.id,
      index,
      port,
    });
    // On a remote host the gateway reaches the engine over the network: bind every address and require a
    // per-replica key (stored encrypted on the endpoint). Locally it stays on loopback, keyless.
    let upstreamKey: string | null = null;
    if (!this.local && plan.engine.name === "aitk") {
      if (!c.secretKeyHex) {
        const reason = `host ${c.host.name} is remote: AITK_SECRET_KEY must be set to protect its engines with a key`;
        await c.prisma.replica.update({
          where: { id: replica.id },
          data: { status: "failed", lastError: reason },
        });
        return { ok: false, reason };
      }
      upstreamKey = randomBytes(24).toString("hex");
      body.Env = [...(body.Env ?? []), "ENGINE_HOST=0.0.0.0", `ENGINE_API_KEY=${upstreamKey}`];
    }
    let container: Docker.Container;
    try {
      container = await createAndStart(c.docker, body);
    } catch (e) {
      const reason = `cannot start container on ${c.host.name}: ${(e as { json?: { message?: string } }).json?.message ?? (e as Error).message}`;
      await c.prisma.replica.update({
        where: { id: replica.id },
        data: { status: "failed", lastError: reason },
      });
      return { ok: false, reason };
    }
    await c.prisma.replica.update({
      where: { id: replica.id },
      data: { status: "starting", containerId: container.id, url },
    });
    await c.log(`${name}: container ${container.id.slice(0, 12)} started on ${c.host.name} port ${port}`);
    const h = plan.engine.health;
    const health = await waitHealthy(
      c.docker,
      container.id,
      `${url}${h.startupPath ?? h.readinessPath}`,
      this.strategy.healthTimeoutSeconds * 1000,
      this.signal,
    );
    if (!health.ok) {
      await c.prisma.replica.update({
        where: { id: replica.id },
        data: { status: "failed", lastError: health.reason.slice(0, 2000) },
      });
      await c.log(`${name}: health gate failed: ${health.reason}`, "error");
      // Keep nothing running; the reason (with the last log lines) is on the replica row.
      await removeContainer(c.docker, container.id, 1);
      return { ok: false, reason: `${name}: ${health.reason}` };
    }
    await c.prisma.replica.update({ where: { id: replica.id }, data: { status: "healthy" } });
    await c.log(`${name}: healthy after ${(health.ms / 1000).toFixed(1)} s`);
    const endpointId = await addEndpoint(c, {
      orgId: c.orgId,
      servedModelId: c.servedModelId,
      url: `${url}/v1`,
      revisionId,
      replicaId: replica.id,
      weight,
      ...(upstreamKey && c.secretKeyHex
        ? { upstreamApiKeyEnc: encryptSecret(upstreamKey, c.secretKeyHex) }
        : {}),
    });
    return {
      ok: true,
      live: { replicaId: replica.id, containerId: container.id, url, port, endpointId, plan },
    };
  }

  /** Takes replicas out of routing, waits until nothing runs on them, stops and removes them. */
  private async drainAndStop(list: TLive[], maxWaitSeconds: number): Promise<void> {
    if (!list.length) return;
    const c = this.c;
    const ids = list.map((l) => l.replicaId);
    await c.prisma.replica.updateMany({ where: { id: { in: ids } }, data: { status: "draining" } });
    await setWeights(
      c,
      c.orgId,
      list.filter((l) => l.endpointId).map((l) => ({ endpointId: l.endpointId!, weight: 0 })),
    );
    const t0 = Date.now();
    await sleep(c.propagationMs ?? 1500, this.signal);
    let zeros = 0;
    while (Date.now() - t0 < maxWaitSeconds * 1000) {
      const counts = await Promise.all(
        list.map((l) =>
          inFlight(`${l.url}${l.plan.engine.metrics.path ?? "/metrics"}`, [
            l.plan.engine.metrics.running,
            l.plan.engine.metrics.queueDepth,
          ]),
        ),
      );
      // Engines without metrics: the drain period is all we have.
      if (counts.some((n) => n === null) && Date.now() - t0 < Math.min(maxWaitSeconds, 10) * 1000) {
        await sleep(250, this.signal);
        continue;
      }
      if (counts.every((n) => !n)) {
        if (++zeros >= 2) break;
      } else zeros = 0;
      await sleep(250, this.signal);
    }
    await c.log(`drained ${list.length} replica(s) in ${((Date.now() - t0) / 1000).toFixed(1)} s; stopping`);
    await removeEndpoints(c, c.orgId, ids);
    await Promise.all(
      list.map((l) => removeContainer(c.docker, l.containerId, l.plan.terminationGraceSeconds)),
    );
    await c.prisma.replica.updateMany({ where: { id: { in: ids } }, data: { status: "stopped" } });
  }

  /** Stops the new replicas and gives the old ones their traffic back. */
  private async rollback(reason: string, restoreCount = 0, force = false): Promise<TTargetOutcome> {
    const c = this.c;
    if (!this.strategy.autoRollback && !force) {
      await c.log(`gate failed (${reason}); autoRollback is off: leaving the rollout as it is`, "warn");
      return { ok: false, rolledBack: false, reason };
    }
    await c.log(`rolling back: ${reason}`, "warn");
    // Restore replicas a rolling update already replaced, from their own revision's spec.
    for (let i = 0; i < restoreCount && this.restoreFrom; i++) {
      const r = await this.start(100 + i, 0, this.restoreFrom);
      if (r.ok) this.old.push(r.live);
    }
    const oldEach = splitWeights(0, 0, this.old.length).oldEach;
    await setWeights(
      c,
      c.orgId,
      this.old
        .filter((l) => l.endpointId)
        .map((l) => ({ endpointId: l.endpointId!, weight: oldEach || 100 })),
    );
    await this.drainAndStop(this.fresh, 10);
    await c.prisma.replica.updateMany({
      where: { id: { in: this.fresh.map((f) => f.replicaId) } },
      data: { lastError: `rolled back: ${reason}`.slice(0, 2000) },
    });
    await c.update({ state: "rolled_back", trafficPercent: 0, healthy: 0, message: reason });
    return { ok: false, rolledBack: this.old.length > 0, reason };
  }

  async run(): Promise<TTargetOutcome> {
    try {
      return await this.runStrategy();
    } catch (e) {
      if (!this.signal?.aborted) throw e;
      // Cancelled mid-rollout: same clean-up as a failed gate, whatever autoRollback says.
      this.signal = undefined;
      await this.c.log("cancelled: putting the previous replicas back in charge", "warn");
      return this.rollback("cancelled", 0, true);
    }
  }

  private async runStrategy(): Promise<TTargetOutcome> {
    await this.loadOld();
    const type = this.strategy.type;
    const n = this.wanted;
    await this.c.update({
      state: "rolling_out",
      strategy: type,
      replicas: n,
      healthy: 0,
      step: 0,
      steps: type === "canary" ? this.strategy.steps.length : type === "blue-green" ? 2 : n,
      trafficPercent: this.old.length ? 0 : 100,
      gates: { maxErrorRate: this.strategy.maxErrorRate },
    });
    await this.c.log(
      `${this.c.target.name}: ${type} to ${n} replica(s) on ${this.c.host.name} (${this.old.length} old replica(s) serving)`,
    );
    if (!this.old.length || type === "recreate") return this.recreate(n);
    if (type === "rolling") return this.rolling(n);
    if (type === "canary") return this.canary(n);
    return this.blueGreen(n);
  }

  private async recreate(n: number): Promise<TTargetOutcome> {
    await this.drainAndStop(this.old, this.strategy.scaleDownDelaySeconds);
    this.old = [];
    for (let i = 0; i < n; i++) {
      const r = await this.start(i, 100);
      if (!r.ok) return this.rollback(r.reason);
      this.fresh.push(r.live);
      await this.c.update({ healthy: this.fresh.length, step: i + 1, trafficPercent: 100 });
    }
    await setWeights(this.c, this.c.orgId, []);
    await this.c.update({ state: "active", trafficPercent: 100, step: n, message: undefined });
    return { ok: true };
  }

  private async rolling(n: number): Promise<TTargetOutcome> {
    const total = Math.max(n, this.old.length);
    let replaced = 0;
    for (let i = 0; i < total; i++) {
      if (i < n) {
        const r = await this.start(i, 100);
        if (!r.ok) return this.rollback(r.reason, replaced);
        this.fresh.push(r.live);
        await this.c.update({ healthy: this.fresh.length, step: i + 1 });
      }
      const old = this.old.shift();
      if (old) {
        await this.drainAndStop([old], this.strategy.scaleDownDelaySeconds);
        replaced++;
      }
      await this.c.update({
        trafficPercent: Math.round((100 * this.fresh.length) / (this.fresh.length + this.old.length)),
      });
    }
    await this.c.update({ state: "active", trafficPercent: 100, step: total, message: undefined });
    return { ok: true };
  }

  /** Starts n new replicas at once at weight 0 (green / canary); the first failure wins. */
  private async startAll(n: number): Promise<string | null> {
    const results = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const r = await this.start(i, 0);
        if (r.ok) {
          this.fresh.push(r.live);
          await this.c.update({ healthy: this.fresh.length });
        }
        return r;
      }),
    );
    const failed = results.find((r) => !r.ok);
    return failed && !failed.ok ? failed.reason : null;
  }

  private async blueGreen(n: number): Promise<TTargetOutcome> {
    const failed = await this.startAll(n);
    if (failed) return this.rollback(failed);
    await this.c.update({ step: 1, message: "green healthy; switching" });
    // The switch: every green endpoint gets weight, every blue endpoint none, in one transaction.
    const { newEach } = splitWeights(100, this.fresh.length, 0);
    await setWeights(this.c, this.c.orgId, [
      ...this.fresh.map((f) => ({ endpointId: f.endpointId!, weight: newEach })),
      ...this.old.filter((o) => o.endpointId).map((o) => ({ endpointId: o.endpointId!, weight: 0 })),
    ]);
    await this.c.log(`switched gateway routing to green (revision ${this.c.revision.number})`);
    await this.c.update({ step: 2, trafficPercent: 100, message: "draining blue" });
    await this.drainAndStop(this.old, this.strategy.scaleDownDelaySeconds);
    this.old = [];
    await this.c.update({ state: "active", message: undefined });
    return { ok: true };
  }

  private async canary(n: number): Promise<TTargetOutcome> {
    const c = this.c;
    const failed = await this.startAll(n);
    if (failed) return this.rollback(failed);
    const steps = this.strategy.steps.length ? this.strategy.steps : [{ weight: 100 }];
    for (const [k, step] of steps.entries()) {
      const { newEach, oldEach } = splitWeights(step.weight, this.fresh.length, this.old.length);
      await setWeights(c, c.orgId, [
        ...this.fresh.map((f) => ({ endpointId: f.endpointId!, weight: newEach })),
        ...this.old.filter((o) => o.endpointId).map((o) => ({ endpointId: o.endpointId!, weight: oldEach })),
      ]);
      const since = new Date();
      await c.update({ step: k + 1, trafficPercent: step.weight, message: `canary at ${step.weight}%` });
      await c.log(
        `canary step ${k + 1}/${steps.length}: ${step.weight}% of traffic to revision ${c.revision.number}`,
      );
      if (step.weight >= 100) break;
      await sleep((step.pauseSeconds ?? 0) * 1000, this.signal);
      for (const f of this.fresh) {
        const h = f.plan.engine.health;
        const ok = await fetch(`${f.url}${h.readinessPath}`, { signal: AbortSignal.timeout(3000) })
          .then((r) => r.status === 200)
          .catch(() => false);
        if (!ok) return this.rollback(`canary replica ${f.url} failed its readiness check`);
      }
      const gate = await this.canaryErrors(since);
      await c.update({ gates: { ...gate, maxErrorRate: this.strategy.maxErrorRate } });
      if (gate.errorRate !== null && gate.errorRate > this.strategy.maxErrorRate)
        return this.rollback(
          `canary error rate ${(gate.errorRate * 100).toFixed(1)}% over ${gate.requests} requests exceeds ${(this.strategy.maxErrorRate * 100).toFixed(1)}%`,
        );
    }
    await this.drainAndStop(this.old, this.strategy.scaleDownDelaySeconds);
    this.old = [];
    await c.update({ state: "active", trafficPercent: 100, message: undefined });
    return { ok: true };
  }

  /** Error rate of requests the canary replicas answered since `since`, from the usage ledger. */
  private async canaryErrors(since: Date): Promise<{ errorRate: number | null; requests: number }> {
    const origins = this.fresh.map((f) => new URL(f.url).origin);
    const rows = await this.c.prisma.usageEvent.groupBy({
      by: ["outcome"],
      where: { orgId: this.c.orgId, upstream: { in: origins }, createdAt: { gte: since } },
      _count: { _all: true },
    });
    let total = 0;
    let failed = 0;
    for (const r of rows) {
      total += r._count._all;
      if (r.outcome === "upstream_error" || r.outcome === "error") failed += r._count._all;
    }
    return { errorRate: errorRate(total, failed), requests: total };
  }
}
