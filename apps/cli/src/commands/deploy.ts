import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { estimateCost, type TCostEstimate } from "@aitk/core/deploy/cost";
import { checkDeploymentYaml, formatIssues, type TSpecIssue } from "@aitk/core/deploy/parse";
import { renderDeployment } from "@aitk/core/deploy/render/index";
import {
  aiDeploymentJsonSchema,
  STRATEGIES,
  type TAIDeployment,
  type TStrategyType,
} from "@aitk/core/deploy/spec";
import { connectIfLoggedIn, seg } from "../api/client";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { EXIT_FAILED, EXIT_USAGE, UsageError } from "../errors";
import { followJob } from "../ui/follow";

const HELP = `Usage:
  aitk deploy render   -f aitk-deploy.yaml --out DIR [--target NAME]... [--strategy S] [--json]
  aitk deploy validate -f aitk-deploy.yaml [--json]
  aitk deploy cost     -f aitk-deploy.yaml [--json]
  aitk deploy schema                       (JSON Schema of aitk/v1 AIDeployment)
  aitk deploy -f aitk-deploy.yaml --all | --target NAME [--strategy blue-green]
  aitk deploy -f aitk-deploy.yaml --strategy blue-green   (every target)

render writes each target's files into DIR/<target name>/ and applies nothing:
  kubernetes      deployment*.yaml, service*.yaml, hpa.yaml, pdb.yaml, kustomization.yaml
  docker-compose  docker-compose.yml          docker   docker-compose.yml + container.json
  nomad           job.json                    aws-ecs  task-definition.json + service.json
  cloud-run       service.yaml                azure-aci aci.yaml
validate checks the spec and prints problems as file:line:col: message (exit 2 when invalid).
cost estimates the monthly cost per target from aitk's GPU price table (on-demand + spot).
Applying (--all / --target) goes through the aitk control plane: run aitk login first.

Strategies: ${STRATEGIES.join(", ")}

Examples:
  aitk deploy validate -f aitk-deploy.yaml
  aitk deploy render -f aitk-deploy.yaml --out k8s-manifests
  aitk deploy cost -f aitk-deploy.yaml --json
  aitk deploy -f aitk-deploy.yaml --target production-h100 --strategy blue-green`;

const FLAGS = {
  file: { type: "string", short: "f" },
  out: { type: "string", short: "o" },
  target: { type: "string", short: "t", multiple: true },
  all: { type: "boolean", default: false },
  strategy: { type: "string" },
  json: { type: "boolean", default: false },
} as const;

interface TLoaded {
  file: string;
  spec: TAIDeployment;
  warnings: TSpecIssue[];
}

/** Reads and validates the spec. Prints `file:line:col: message` lines and returns null when invalid. */
function load(file: string | undefined, json: boolean): TLoaded | null {
  if (!file) throw new UsageError("missing -f FILE (e.g. -f aitk-deploy.yaml)");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch {
    throw new UsageError(`cannot read ${file}`);
  }
  const r = checkDeploymentYaml(text);
  if (!r.ok || !r.spec) {
    if (json) console.log(JSON.stringify({ ok: false, file, errors: r.errors }));
    else console.error(formatIssues(file, r.errors));
    return null;
  }
  return { file, spec: r.spec, warnings: r.warnings };
}

function strategyFlag(s: string | undefined): TStrategyType | undefined {
  if (s === undefined) return undefined;
  if (!(STRATEGIES as readonly string[]).includes(s))
    throw new UsageError(`unknown strategy "${s}". Strategies: ${STRATEGIES.join(", ")}`);
  return s as TStrategyType;
}

function checkTargets(spec: TAIDeployment, names: string[] | undefined) {
  const known = spec.spec.targets.map((t) => t.name);
  for (const n of names ?? [])
    if (!known.includes(n)) throw new UsageError(`unknown target "${n}". Targets: ${known.join(", ")}`);
}

function printWarnings(l: TLoaded, json: boolean) {
  if (!json && l.warnings.length) console.error(formatIssues(l.file, l.warnings));
}

function render(argv: string[]): number {
  const { values } = parseFlags(argv, FLAGS);
  const strategy = strategyFlag(values.strategy);
  const l = load(values.file, values.json);
  if (!l) return EXIT_USAGE;
  if (!values.out) throw new UsageError("missing --out DIR (e.g. --out k8s-manifests)");
  checkTargets(l.spec, values.target);
  const rendered = renderDeployment(l.spec, { targets: values.target, strategy });
  const out = resolve(values.out);
  const written: { target: string; platform: string; files: string[]; warnings: string[] }[] = [];
  for (const r of rendered) {
    const dir = join(out, r.target);
    mkdirSync(dir, { recursive: true });
    for (const f of r.files) writeFileSync(join(dir, f.path), f.content);
    written.push({
      target: r.target,
      platform: r.platform,
      files: r.files.map((f) => join(dir, f.path)),
      warnings: r.warnings,
    });
  }
  if (values.json) {
    console.log(JSON.stringify({ ok: true, out, targets: written, warnings: l.warnings }));
  } else {
    printWarnings(l, false);
    for (const w of written) {
      console.log(`${w.target} (${w.platform}):`);
      for (const f of w.files) console.log(`  ${f}`);
    }
    console.log("nothing was applied");
  }
  return 0;
}

function validate(argv: string[]): number {
  const { values } = parseFlags(argv, FLAGS);
  const l = load(values.file, values.json);
  if (!l) return EXIT_USAGE;
  if (values.json) console.log(JSON.stringify({ ok: true, file: l.file, warnings: l.warnings }));
  else {
    printWarnings(l, false);
    const t = l.spec.spec.targets;
    console.log(
      `${l.file}: valid ${l.spec.kind} ${l.spec.metadata.name}, ${t.length} target${t.length === 1 ? "" : "s"} (${t.map((x) => `${x.name}:${x.platform}`).join(", ")})`,
    );
  }
  return 0;
}

const usd = (n: number) =>
  `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;

function printCost(c: TCostEstimate) {
  console.log(`${c.deployment}: estimated ${usd(c.monthlyUSD)} per month (${c.hoursPerMonth} h)`);
  for (const t of c.targets) {
    if (!t.priced) {
      console.log(`  ${t.target} (${t.platform}): not priced — ${t.notes.at(-1)}`);
      continue;
    }
    const i = t.instance;
    const mix = t.spotInstances
      ? `${t.onDemandInstances} on-demand + ${t.spotInstances} spot`
      : `${t.onDemandInstances} on-demand`;
    console.log(
      `  ${t.target} (${t.platform}): ${mix} x ${i?.instanceType} (${i?.gpus} x ${i?.gpuModel}, ${t.replicasPerInstance} replica(s) each) = ${usd(t.hourlyUSD)}/h, ${usd(t.monthlyUSD)}/month${t.maxMonthlyUSD !== undefined ? ` (up to ${usd(t.maxMonthlyUSD)} at max replicas)` : ""}${t.spotInstances ? `; all on-demand would be ${usd(t.allOnDemandMonthlyUSD)}` : ""}`,
    );
    for (const n of t.notes) console.log(`      ${n}`);
    console.log(`      prices: ${i?.source} (${i?.asOf})`);
  }
}

function cost(argv: string[]): number {
  const { values } = parseFlags(argv, FLAGS);
  const l = load(values.file, values.json);
  if (!l) return EXIT_USAGE;
  checkTargets(l.spec, values.target);
  const c = estimateCost(l.spec);
  if (values.target) c.targets = c.targets.filter((t) => values.target?.includes(t.target));
  if (values.json) console.log(JSON.stringify(c));
  else printCost(c);
  return 0;
}

interface TRevisionOut {
  id: string;
  number: number;
  status: string;
  error: string | null;
  targets: Record<
    string,
    {
      platform: string;
      state: string;
      strategy: string;
      host?: string | null;
      healthy: number;
      replicas: number;
      trafficPercent: number;
      message?: string;
    }
  >;
}
interface TApplyOut {
  deployment: { id: string; name: string; status: string };
  revision: TRevisionOut | null;
  jobId: string | null;
}

/**
 * Applies through the control plane (POST /api/v1/deployments with the YAML, then the deploy.apply job's
 * logs and progress streamed here). Exit 0 when the revision is active, 1 when it failed or was rolled
 * back, 2 for a spec or request the server refuses.
 */
async function apply(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, FLAGS);
  const strategy = strategyFlag(values.strategy);
  // The seed's `aitk deploy -f aitk-deploy.yaml --strategy blue-green` means every target.
  if (!values.all && !values.target?.length && !values.strategy)
    throw new UsageError(
      "say which targets to deploy: --all or --target NAME (or use `aitk deploy render` to only write files)",
    );
  if (values.all && values.target?.length) throw new UsageError("--all and --target are mutually exclusive");
  const l = load(values.file, values.json);
  if (!l) return EXIT_USAGE;
  checkTargets(l.spec, values.target);
  printWarnings(l, values.json);
  const client = connectIfLoggedIn();
  if (!client) {
    const message = `no control plane login: run \`aitk login\` (or set AITK_API_URL and AITK_API_KEY) first. To only write the manifests: aitk deploy render -f ${l.file} --out DIR`;
    if (values.json) console.log(JSON.stringify({ ok: false, error: message }));
    else console.error(`aitk: ${message}`);
    return EXIT_FAILED;
  }
  const out = await client.post<TApplyOut>("/deployments", {
    yaml: readFileSync(l.file, "utf8"),
    apply: true,
    ...(values.target?.length ? { targets: values.target } : {}),
    ...(strategy ? { strategy } : {}),
  });
  const rev = out.revision;
  if (!rev || !out.jobId) throw new UsageError("the server stored the spec but started no rollout");
  if (!values.json)
    console.error(
      `aitk: ${out.deployment.name} revision ${rev.number}: rolling out ${(values.target?.length ? values.target : l.spec.spec.targets.map((t) => t.name)).join(", ")} (job ${out.jobId})`,
    );
  const job = await followJob(client, out.jobId, {
    follow: true,
    json: values.json,
    label: `deploy ${out.deployment.name}`,
  });
  const { items } = await client.get<{ items: TRevisionOut[] }>(
    `/deployments/${seg(out.deployment.id)}/revisions`,
  );
  const final = items.find((x) => x.id === rev.id) ?? null;
  const ok = job.state === "completed" && final?.status === "active";
  if (values.json) {
    console.log(
      JSON.stringify({
        type: "result",
        ok,
        deployment: out.deployment,
        revision: final,
        job: { id: job.id, state: job.state },
      }),
    );
  } else {
    for (const [name, t] of Object.entries(final?.targets ?? {}))
      console.error(
        `  ${name} (${t.platform}${t.host ? ` on ${t.host}` : ""}): ${t.state}${t.replicas ? `, ${t.healthy}/${t.replicas} healthy` : ""}${t.message ? ` — ${t.message}` : ""}`,
      );
    console.error(
      ok
        ? `aitk: revision ${rev.number} of ${out.deployment.name} is active`
        : `aitk: revision ${rev.number} ${final?.status ?? job.state}${final?.error ? `: ${final.error}` : job.error ? `: ${job.error}` : ""}`,
    );
  }
  return ok ? 0 : EXIT_FAILED;
}

const command: TCommand = {
  name: "deploy",
  summary:
    "Validate, render, cost and deploy an aitk-deploy.yaml (Kubernetes, compose, Nomad, ECS, Cloud Run, ACI)",
  help: HELP,
  async run(argv) {
    const [sub, ...rest] = argv;
    switch (sub) {
      case "render":
        return render(rest);
      case "validate":
        return validate(rest);
      case "cost":
        return cost(rest);
      case "schema":
        console.log(JSON.stringify(aiDeploymentJsonSchema(), null, 2));
        return 0;
      case undefined:
        throw new UsageError(`missing arguments.\n${HELP}`);
      default:
        if (sub.startsWith("-")) return apply(argv);
        throw new UsageError(
          `unknown deploy subcommand "${sub}": render, validate, cost, schema, or -f FILE --all|--target NAME`,
        );
    }
  },
};
export default command;
