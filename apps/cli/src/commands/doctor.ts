import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { checkDocument, summarize, type TFinding } from "@aitk/core/security/hardening";
import { parseAllDocuments } from "yaml";
import { parseFlags } from "../args";
import type { TCommand } from "../command";
import { EXIT_FAILED, UsageError } from "../errors";

function loadFile(path: string): unknown[] {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    throw new UsageError(`cannot read ${path}`);
  }
  const docs = parseAllDocuments(text, { merge: true });
  const out: unknown[] = [];
  for (const d of docs) {
    const err = d.errors[0];
    if (err) {
      const pos = err.linePos?.[0];
      throw new UsageError(`${path}:${pos?.line ?? 1}:${pos?.col ?? 1}: ${err.message.split("\n")[0]}`);
    }
    out.push(d.toJSON());
  }
  return out;
}

function inspectContainers(ids: string[]): unknown[] {
  const r = spawnSync("docker", ["inspect", ...ids], { encoding: "utf8" });
  if (r.error) throw new Error(`cannot run docker: ${r.error.message}`);
  if (r.status !== 0) throw new UsageError(r.stderr.trim() || "docker inspect failed");
  return JSON.parse(r.stdout) as unknown[];
}

function print(findings: TFinding[]) {
  let subject = "";
  for (const f of findings) {
    if (f.subject !== subject) {
      subject = f.subject;
      console.log(`\n${subject}`);
    }
    console.log(
      `  ${f.ok ? "ok  " : "FAIL"} ${f.check.padEnd(18)} ${f.message}${f.ok ? "" : ` [${f.severity}]`}`,
    );
    if (!f.ok && f.fix) console.log(`       → ${f.fix}`);
  }
}

const command: TCommand = {
  name: "doctor",
  summary: "Check rendered manifests or running containers for hardening",
  help: `Usage: aitk doctor (-f FILE ... | --container ID ...) [--json]

Checks non-root user, read-only root filesystem, dropped capabilities, no-new-privileges, seccomp and
privileged mode, and explains each finding with its fix. FILE may hold Kubernetes manifests (multi-document
YAML), a docker-compose file, or docker inspect JSON. Exit 1 when any check fails.

Examples:
  aitk deploy render -f aitk-deploy.yaml --out out/ && aitk doctor -f out/production-h100/*.yaml
  aitk doctor -f docker-compose.yml
  aitk doctor --container my-llm-server`,
  async run(argv) {
    const { values, positionals } = parseFlags(
      argv,
      {
        file: { type: "string", short: "f", multiple: true },
        container: { type: "string", multiple: true },
        json: { type: "boolean", default: false },
      },
      true,
    );
    const files = [...(values.file ?? []), ...positionals];
    if (!files.length && !values.container?.length) {
      throw new UsageError("give -f FILE (manifests, compose file) or --container ID");
    }
    const docs = [
      ...files.flatMap(loadFile),
      ...(values.container?.length ? inspectContainers(values.container) : []),
    ];
    const findings = docs.flatMap(checkDocument);
    if (findings.length === 0)
      throw new UsageError("nothing to check: no workloads, compose services or containers found");
    const summary = summarize(findings);
    if (values.json) console.log(JSON.stringify({ summary, findings }, null, 2));
    else {
      print(findings);
      console.log(
        `\n${summary.checked} checks, ${summary.failed} failed (${summary.high} high, ${summary.medium} medium, ${summary.low} low)`,
      );
    }
    return summary.failed ? EXIT_FAILED : 0;
  },
};
export default command;
