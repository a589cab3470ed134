// `aitk doctor`: hardening checks over what a deployment will run — Kubernetes workloads, compose
// services, or a container's `docker inspect` — with an explanation and a fix for each finding.

export type TSeverity = "high" | "medium" | "low";
export type THardeningCheck =
  | "non-root"
  | "read-only-root"
  | "drop-capabilities"
  | "no-new-privileges"
  | "seccomp"
  | "privileged";

export interface TFinding {
  /** What was checked: "Deployment/llama/container vllm", "service web", "container 3f2a…". */
  subject: string;
  check: THardeningCheck;
  ok: boolean;
  severity: TSeverity;
  message: string;
  /** Why it matters and how to fix it, for failed checks. */
  fix?: string;
}

const WHY: Record<THardeningCheck, { severity: TSeverity; fix: string }> = {
  privileged: {
    severity: "high",
    fix: "Remove privileged mode: a privileged container has every capability and all host devices; request GPUs through the device plugin / device requests instead.",
  },
  "non-root": {
    severity: "high",
    fix: 'Run as a non-root user (K8s securityContext.runAsNonRoot: true + runAsUser; compose user: "1000:1000"; Dockerfile USER). A root process that escapes the container is root on the host.',
  },
  "read-only-root": {
    severity: "medium",
    fix: "Mount the root filesystem read-only (readOnlyRootFilesystem: true / read_only: true) and give writable paths (caches, /tmp) their own volumes, so a compromise cannot persist or alter binaries.",
  },
  "drop-capabilities": {
    severity: "medium",
    fix: "Drop all Linux capabilities (capabilities.drop: [ALL] / cap_drop: [ALL]) and add back only what the server needs; inference servers need none.",
  },
  "no-new-privileges": {
    severity: "medium",
    fix: "Forbid privilege escalation (allowPrivilegeEscalation: false / security_opt: [no-new-privileges:true]) so setuid binaries cannot gain privileges.",
  },
  seccomp: {
    severity: "low",
    fix: "Apply a seccomp profile (seccompProfile.type: RuntimeDefault; Docker applies its default unless seccomp=unconfined) to block rarely used, dangerous system calls.",
  },
};

function finding(subject: string, check: THardeningCheck, ok: boolean, message: string): TFinding {
  const w = WHY[check];
  return ok
    ? { subject, check, ok, severity: w.severity, message }
    : { subject, check, ok, severity: w.severity, message, fix: w.fix };
}

type TObj = Record<string, unknown>;
const obj = (v: unknown): TObj => (v && typeof v === "object" && !Array.isArray(v) ? (v as TObj) : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const upper = (v: unknown) => String(v).toUpperCase().replace(/^CAP_/, "");

/** Pod-template-bearing kinds: the pod spec lives at different depths. */
function podSpecOf(doc: TObj): TObj | null {
  const kind = String(doc.kind ?? "");
  const spec = obj(doc.spec);
  if (kind === "Pod") return spec;
  if (kind === "CronJob") return obj(obj(obj(obj(spec.jobTemplate).spec).template).spec);
  if (["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job"].includes(kind))
    return obj(obj(spec.template).spec);
  return null;
}

export function checkKubernetesObject(doc: TObj): TFinding[] {
  const pod = podSpecOf(doc);
  if (!pod) return [];
  const podSc = obj(pod.securityContext);
  const name = `${doc.kind}/${obj(doc.metadata).name ?? "?"}`;
  const out: TFinding[] = [];
  for (const c of [...arr(pod.initContainers), ...arr(pod.containers)].map(obj)) {
    const sc = obj(c.securityContext);
    const subject = `${name} container ${c.name ?? "?"}`;
    out.push(
      finding(
        subject,
        "privileged",
        sc.privileged !== true,
        sc.privileged === true ? "runs privileged" : "not privileged",
      ),
    );
    const runAsNonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
    const runAsUser = sc.runAsUser ?? podSc.runAsUser;
    const nonRoot =
      runAsUser === 0 ? false : runAsNonRoot === true || (typeof runAsUser === "number" && runAsUser > 0);
    out.push(
      finding(
        subject,
        "non-root",
        nonRoot,
        nonRoot
          ? `runs as non-root${runAsUser ? ` (uid ${runAsUser})` : ""}`
          : runAsUser === 0
            ? "runs as uid 0"
            : "may run as root: runAsNonRoot is not set",
      ),
    );
    const ro = sc.readOnlyRootFilesystem === true;
    out.push(
      finding(
        subject,
        "read-only-root",
        ro,
        ro ? "root filesystem read-only" : "root filesystem is writable",
      ),
    );
    const dropped = arr(obj(sc.capabilities).drop).map(upper);
    const dropsAll = dropped.includes("ALL");
    out.push(
      finding(
        subject,
        "drop-capabilities",
        dropsAll,
        dropsAll
          ? "drops ALL capabilities"
          : dropped.length
            ? `drops only ${dropped.join(", ")}`
            : "keeps the default capabilities",
      ),
    );
    const noEsc = sc.allowPrivilegeEscalation === false;
    out.push(
      finding(
        subject,
        "no-new-privileges",
        noEsc,
        noEsc ? "privilege escalation disallowed" : "allowPrivilegeEscalation is not false",
      ),
    );
    const seccomp = String(obj(sc.seccompProfile).type ?? obj(podSc.seccompProfile).type ?? "");
    const hasSeccomp = seccomp === "RuntimeDefault" || seccomp === "Localhost";
    out.push(
      finding(
        subject,
        "seccomp",
        hasSeccomp,
        hasSeccomp
          ? `seccomp ${seccomp}`
          : seccomp === "Unconfined"
            ? "seccomp Unconfined"
            : "no seccomp profile set",
      ),
    );
  }
  return out;
}

/** What Docker runs a container with, whether it comes from a compose service or `docker inspect`. */
type TDockerSettings = {
  privileged: boolean;
  user: string;
  readOnly: boolean;
  capDrop: string[];
  securityOpt: string[];
};

function checkDockerSettings(subject: string, s: TDockerSettings): TFinding[] {
  const nonRoot = s.user !== "" && !/^(0|root)(:|$)/.test(s.user);
  const dropsAll = s.capDrop.map(upper).includes("ALL");
  const noNewPrivs = s.securityOpt.some((o) => /^no-new-privileges(:true|=true)?$/i.test(o));
  const unconfined = s.securityOpt.some((o) => /^seccomp[:=]unconfined$/i.test(o));
  return [
    finding(subject, "privileged", !s.privileged, s.privileged ? "runs privileged" : "not privileged"),
    finding(
      subject,
      "non-root",
      nonRoot,
      s.user ? `runs as ${s.user}` : "no user set: runs as the image's user (often root)",
    ),
    finding(
      subject,
      "read-only-root",
      s.readOnly,
      s.readOnly ? "root filesystem read-only" : "root filesystem is writable",
    ),
    finding(
      subject,
      "drop-capabilities",
      dropsAll,
      dropsAll ? "drops ALL capabilities" : "does not drop ALL capabilities",
    ),
    finding(
      subject,
      "no-new-privileges",
      noNewPrivs,
      noNewPrivs ? "no-new-privileges set" : "no-new-privileges:true is not set",
    ),
    finding(
      subject,
      "seccomp",
      !unconfined,
      unconfined ? "seccomp unconfined" : "Docker's default seccomp profile applies",
    ),
  ];
}

export function checkComposeService(name: string, svc: TObj): TFinding[] {
  return checkDockerSettings(`service ${name}`, {
    privileged: svc.privileged === true,
    user: svc.user === undefined ? "" : String(svc.user),
    readOnly: svc.read_only === true,
    capDrop: arr(svc.cap_drop).map(String),
    securityOpt: arr(svc.security_opt).map(String),
  });
}

/** `docker inspect` output of one container. */
export function checkDockerContainer(inspect: TObj): TFinding[] {
  const hc = obj(inspect.HostConfig);
  const cfg = obj(inspect.Config);
  return checkDockerSettings(`container ${String(inspect.Name ?? inspect.Id ?? "?").replace(/^\//, "")}`, {
    privileged: hc.Privileged === true,
    user: String(cfg.User ?? ""),
    readOnly: hc.ReadonlyRootfs === true,
    capDrop: arr(hc.CapDrop).map(String),
    securityOpt: arr(hc.SecurityOpt).map(String),
  });
}

/** Any parsed document: a K8s object (or List), a compose file, or docker inspect output (array or object). */
export function checkDocument(doc: unknown): TFinding[] {
  if (Array.isArray(doc)) return doc.flatMap(checkDocument);
  const d = obj(doc);
  if (d.kind === "List") return arr(d.items).flatMap(checkDocument);
  if (typeof d.apiVersion === "string" && typeof d.kind === "string") return checkKubernetesObject(d);
  if (d.services && typeof d.services === "object") {
    return Object.entries(obj(d.services)).flatMap(([n, s]) => checkComposeService(n, obj(s)));
  }
  if (d.HostConfig || d.Config) return checkDockerContainer(d);
  return [];
}

export function summarize(findings: TFinding[]) {
  const failed = findings.filter((f) => !f.ok);
  return {
    checked: findings.length,
    failed: failed.length,
    high: failed.filter((f) => f.severity === "high").length,
    medium: failed.filter((f) => f.severity === "medium").length,
    low: failed.filter((f) => f.severity === "low").length,
  };
}
