import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { formatDoc } from "@aitk/core/build/format";
import { formatDiagnostics, parseDockerfileAi } from "@aitk/core/build/parse";
import { loadAdvisories, type TOsvAdvisory } from "@aitk/core/build/osv";
import { planBuild, type TBuildPlan } from "@aitk/core/build/plan";
import {
  OPTIMIZE_VALUES,
  QUANTIZE_VALUES,
  type TOptimize,
  type TQuantize,
} from "@aitk/core/build/vocabulary";
import { isDomainError } from "@aitk/core";
import { remoteBuild } from "../api/builds";
import { connectIfLoggedIn } from "../api/client";
import { flagChoice, parseFlags } from "../args";
import type { TCommand } from "../command";
import { EXIT_FAILED, EXIT_USAGE, UsageError } from "../errors";

const HELP = `Usage: aitk build -f Dockerfile.ai [-t NAME:TAG] [--cuda X.Y] [--quantize Q]
                  [--optimize for-speed|for-size] [--security-scan] [--allow-experimental]
                  [--advisories PATH] [--dry-run] [--json] [--out DIR] [--host NAME] [--local]

Resolves Dockerfile.ai (engine → torch → CUDA → cuDNN → base image → driver floor), generates a
multi-stage Dockerfile and a pinned requirements.txt, an SBOM (CycloneDX 1.6) and a scan.

  --dry-run          build nothing; print the plan (with --json: one object
                     {resolution, dockerfile, requirements, sbom, scan})
  --out DIR          also write Dockerfile, requirements.txt, sbom.cdx.json and resolution.json to DIR
  --advisories PATH  OSV advisories (a JSON file, or a directory of OSV .json files) instead of the
                     snapshot shipped with aitk
  --security-scan    print vulnerability and licence findings
  --fmt [--check]    rewrite the Dockerfile.ai in canonical form (with --check: only report, exit 1
                     when it is not formatted)
Without --dry-run, when logged in (aitk login), the checked Dockerfile.ai is sent to the control plane
(POST /api/v1/builds) and built on one of the organization's Docker hosts (--host NAME; default the
only host or "local"), with its logs and a progress bar streamed here. --local, or no login, builds
on the local Docker engine with the docker CLI (build context = the directory of the Dockerfile.ai).

Exit codes: 0 ok, 1 the build failed, 2 bad input (parse errors print file:line:col: message).

Examples:
  aitk build -f Dockerfile.ai --dry-run --json
  aitk build -f Dockerfile.ai -t my-llm-server:2026 --cuda 12.4 --quantize q4_k_m --optimize for-speed --security-scan
  aitk build -f Dockerfile.ai -t my-llm-server:2026 --host local        (on the control plane's host "local")`;

const FLAGS = {
  file: { type: "string", short: "f" },
  tag: { type: "string", short: "t" },
  cuda: { type: "string" },
  quantize: { type: "string" },
  optimize: { type: "string" },
  "security-scan": { type: "boolean", default: false },
  "allow-experimental": { type: "boolean", default: false },
  advisories: { type: "string" },
  "dry-run": { type: "boolean", default: false },
  json: { type: "boolean", default: false },
  out: { type: "string" },
  fmt: { type: "boolean", default: false },
  check: { type: "boolean", default: false },
  host: { type: "string" },
  local: { type: "boolean", default: false },
} as const;

const TAG_RE =
  /^[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

function readAdvisories(path: string): { advisories: TOsvAdvisory[]; source: string } {
  const full = resolve(path);
  let files: string[];
  try {
    files = statSync(full).isDirectory()
      ? readdirSync(full)
          .filter((f) => f.endsWith(".json"))
          .sort()
          .map((f) => join(full, f))
      : [full];
  } catch {
    throw new UsageError(`cannot read --advisories ${path}`);
  }
  const advisories: TOsvAdvisory[] = [];
  for (const f of files) {
    try {
      advisories.push(...loadAdvisories(JSON.parse(readFileSync(f, "utf8"))));
    } catch {
      throw new UsageError(`${f} is not OSV JSON`);
    }
  }
  return { advisories, source: full };
}

function printPlan(plan: TBuildPlan, scan: boolean): void {
  const r = plan.resolution;
  console.log(
    `Resolved ${r.model.ref} → ${r.engine.name}${r.engine.version ? ` ${r.engine.version}` : ""} on ${r.target.name}`,
  );
  for (const d of r.decisions)
    console.log(`  ${d.topic.padEnd(15)} ${d.choice}\n  ${"".padEnd(15)} ↳ ${d.why}`);
  for (const w of r.warnings) console.log(`  warning: ${w}`);
  if (scan) printScan(plan);
}

function printScan(plan: TBuildPlan): void {
  const s = plan.scan;
  console.log(
    `Security scan (${s.advisories.count} advisories from ${s.advisories.source}; ${s.inventory}):`,
  );
  if (!s.vulnerabilities.length) console.log("  0 known vulnerabilities");
  for (const v of s.vulnerabilities) {
    console.log(
      `  ${v.severity.toUpperCase().padEnd(8)} ${v.id} ${v.package} ${v.version}${v.fixedIn ? ` (fixed in ${v.fixedIn})` : ""}: ${v.summary}`,
    );
  }
  for (const l of s.licences)
    if (l.status !== "ok") console.log(`  licence ${l.status}: ${l.component}: ${l.message}`);
}

function writeOut(dir: string, plan: TBuildPlan): void {
  const out = resolve(dir);
  mkdirSync(out, { recursive: true });
  writeFileSync(join(out, "Dockerfile"), plan.dockerfile);
  writeFileSync(join(out, "requirements.txt"), plan.requirements);
  writeFileSync(join(out, "sbom.cdx.json"), `${JSON.stringify(plan.sbom, null, 2)}\n`);
  writeFileSync(join(out, "resolution.json"), `${JSON.stringify(plan.resolution, null, 2)}\n`);
}

/** `docker build` with the generated Dockerfile; the context is the Dockerfile.ai's directory. */
function dockerBuild(contextDir: string, plan: TBuildPlan, tag: string): Promise<number> {
  const tmp = mkdtempSync(join(tmpdir(), "aitk-build-"));
  const dockerfile = join(tmp, "Dockerfile");
  writeFileSync(dockerfile, plan.dockerfile);
  // requirements.txt is generated into the project, as `aitk init` documents ("自动生成").
  if (plan.resolution.buildKind === "pip" || plan.resolution.buildKind === "pip-rocm") {
    writeFileSync(join(contextDir, "requirements.txt"), plan.requirements);
  }
  // --force-rm: a failing step must not leave its container behind.
  const args = [
    "build",
    "--force-rm",
    "-f",
    dockerfile,
    "-t",
    tag,
    "--platform",
    plan.resolution.target.platform,
    contextDir,
  ];
  return new Promise((done) => {
    const child = spawn("docker", args, { stdio: "inherit" });
    child.on("error", (e) => {
      console.error(
        `aitk: cannot run docker (${e.message}); install the Docker CLI or build through the aitk control plane`,
      );
      done(EXIT_FAILED);
    });
    child.on("close", (code) => {
      rmSync(tmp, { recursive: true, force: true });
      done(code === 0 ? 0 : EXIT_FAILED);
    });
  });
}

const command: TCommand = {
  name: "build",
  summary: "Resolve Dockerfile.ai and build (or --dry-run) the image",
  help: HELP,
  async run(argv) {
    const { values } = parseFlags(argv, FLAGS);
    const file = values.file ?? "Dockerfile.ai";
    let text: string;
    try {
      text = readFileSync(file, "utf8");
    } catch {
      throw new UsageError(`cannot read ${file}${values.file ? "" : " (pass -f Dockerfile.ai)"}`);
    }
    if (values.tag !== undefined && !TAG_RE.test(values.tag)) {
      throw new UsageError(
        `-t "${values.tag}" is not an image NAME:TAG (lower-case name, e.g. my-llm-server:2026)`,
      );
    }
    if (values.cuda !== undefined && !/^\d{2}\.\d{1,2}(?:\.\d{1,2})?$/.test(values.cuda)) {
      throw new UsageError(`--cuda "${values.cuda}" is not a CUDA version like 12.4 or 12.4.1`);
    }
    if (!values["dry-run"] && !values.fmt && !values.tag)
      throw new UsageError("missing -t NAME:TAG (or use --dry-run)");
    const quantize = flagChoice<TQuantize>(values.quantize, QUANTIZE_VALUES, "quantize");
    const optimize = flagChoice<TOptimize>(values.optimize, OPTIMIZE_VALUES, "optimize");
    const adv = values.advisories ? readAdvisories(values.advisories) : undefined;

    const parsed = parseDockerfileAi(text);
    if (!parsed.ok) {
      const errors = parsed.diagnostics.filter((d) => d.severity === "error");
      if (values.json) console.log(JSON.stringify({ ok: false, file, errors }));
      else console.error(formatDiagnostics(errors, file));
      return EXIT_USAGE;
    }
    if (values.fmt) {
      const formatted = formatDoc(parsed.doc);
      const changed = formatted !== text;
      if (values.check) {
        if (values.json) console.log(JSON.stringify({ ok: !changed, file, formatted: !changed }));
        else
          console.log(
            changed ? `${file}: not formatted (run aitk build -f ${file} --fmt)` : `${file}: formatted`,
          );
        return changed ? EXIT_FAILED : 0;
      }
      if (changed) writeFileSync(file, formatted);
      if (values.json) console.log(JSON.stringify({ ok: true, file, changed }));
      else console.log(`${file}: ${changed ? "formatted" : "already formatted"}`);
      return 0;
    }
    let plan: TBuildPlan;
    try {
      plan = planBuild(text, {
        file,
        ...(values.tag ? { image: values.tag } : {}),
        ...(values.cuda ? { cuda: values.cuda } : {}),
        ...(quantize ? { quantize } : {}),
        ...(optimize ? { optimize } : {}),
        allowExperimental: values["allow-experimental"],
        ...(adv ? { advisories: adv.advisories, advisoriesSource: adv.source } : {}),
      });
    } catch (e) {
      if (isDomainError(e) && e.code === "VALIDATION") {
        const pos = e.details.position;
        if (values.json) console.log(JSON.stringify({ ok: false, file, error: e.toJSON() }));
        else {
          console.error(`${file}${pos ? `:${pos.line}:${pos.column}` : ""}: ${e.message}`);
        }
        return EXIT_USAGE;
      }
      throw e;
    }
    for (const w of plan.diagnostics) if (!values.json) console.error(formatDiagnostics([w], file));
    if (values.out) writeOut(values.out, plan);

    if (values["dry-run"]) {
      if (values.json) {
        const { resolution, dockerfile, requirements, sbom, scan } = plan;
        console.log(JSON.stringify({ resolution, dockerfile, requirements, sbom, scan }));
      } else {
        printPlan(plan, values["security-scan"]);
        console.log("\n--- Dockerfile (generated) ---");
        process.stdout.write(plan.dockerfile);
        console.log("--- requirements.txt ---");
        process.stdout.write(plan.requirements);
      }
      return 0;
    }
    const remote = values.local ? null : connectIfLoggedIn();
    if (values.host && !remote)
      throw new UsageError("--host builds through the control plane: run aitk login first");
    if (remote) {
      return remoteBuild(remote, {
        file,
        dockerfileAi: text,
        tag: values.tag as string,
        host: values.host,
        cuda: values.cuda,
        quantize,
        optimize,
        securityScan: values["security-scan"],
        allowExperimental: values["allow-experimental"],
        json: values.json,
        modelSource: plan.resolution.model.source,
      });
    }
    if (!values.json) printPlan(plan, false);
    const code = await dockerBuild(dirname(resolve(file)), plan, values.tag as string);
    if (values.json) {
      console.log(
        JSON.stringify({ ok: code === 0, tag: values.tag, resolution: plan.resolution, scan: plan.scan }),
      );
    } else if (code === 0) {
      if (values["security-scan"]) printScan(plan);
      console.log(`Build successful: ${values.tag} (${basename(file)})`);
    }
    return code;
  },
};
export default command;
