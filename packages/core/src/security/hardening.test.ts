import { describe, expect, it } from "vitest";
import { checkDocument, summarize } from "./hardening";

const hardened = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "llm" },
  spec: {
    template: {
      spec: {
        securityContext: { runAsNonRoot: true, runAsUser: 1000, seccompProfile: { type: "RuntimeDefault" } },
        containers: [
          {
            name: "vllm",
            securityContext: {
              readOnlyRootFilesystem: true,
              allowPrivilegeEscalation: false,
              capabilities: { drop: ["ALL"] },
            },
          },
        ],
      },
    },
  },
};

describe("hardening checks", () => {
  it("passes a hardened Kubernetes Deployment", () => {
    const f = checkDocument(hardened);
    expect(f).toHaveLength(6);
    expect(f.every((x) => x.ok)).toBe(true);
  });

  it("explains each failing check of a bare Deployment", () => {
    const bare = structuredClone(hardened);
    bare.spec.template.spec.securityContext = {} as never;
    bare.spec.template.spec.containers[0]!.securityContext = { privileged: true } as never;
    const f = checkDocument(bare);
    const failed = f.filter((x) => !x.ok).map((x) => x.check);
    expect(failed).toEqual([
      "privileged",
      "non-root",
      "read-only-root",
      "drop-capabilities",
      "no-new-privileges",
      "seccomp",
    ]);
    expect(f.find((x) => x.check === "non-root")!.fix).toMatch(/runAsNonRoot/);
    expect(summarize(f)).toMatchObject({ failed: 6, high: 2 });
  });

  it("checks compose services and docker inspect output", () => {
    const compose = {
      services: {
        good: {
          user: "1000:1000",
          read_only: true,
          cap_drop: ["ALL"],
          security_opt: ["no-new-privileges:true"],
        },
        bad: { user: "root", security_opt: ["seccomp:unconfined"] },
      },
    };
    const f = checkDocument(compose);
    expect(f.filter((x) => x.subject === "service good").every((x) => x.ok)).toBe(true);
    expect(f.filter((x) => x.subject === "service bad" && !x.ok)).toHaveLength(5);
    const inspect = [
      {
        Name: "/c1",
        Config: { User: "" },
        HostConfig: { Privileged: false, CapDrop: null, SecurityOpt: null },
      },
    ];
    expect(
      checkDocument(inspect)
        .filter((x) => !x.ok)
        .map((x) => x.check),
    ).toEqual(["non-root", "read-only-root", "drop-capabilities", "no-new-privileges"]);
  });

  it("uid 0 overrides runAsNonRoot and ignores non-workload objects", () => {
    const d = structuredClone(hardened);
    (d.spec.template.spec.securityContext as Record<string, unknown>).runAsUser = 0;
    expect(checkDocument(d).find((x) => x.check === "non-root")!.ok).toBe(false);
    expect(checkDocument({ apiVersion: "v1", kind: "Service", metadata: { name: "s" } })).toEqual([]);
  });
});
