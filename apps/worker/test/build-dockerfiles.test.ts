// Every kind of generated Dockerfile is accepted by a real dockerd: each is sent to the classic builder
// with its base-image build args pointed at a local busybox image (nothing can be pulled here). The
// build must get past parsing and fail only where a RUN needs the real base (apt-get, git, pip…).
import { planBuild } from "@aitk/core/build/plan";
import Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { contextTar, runDockerBuild } from "../src/processors/build";
import { buildBusyboxBase, removeWithDescendants } from "./docker-images";

const docker = new Docker({ socketPath: "/var/run/docker.sock" });
const BASE = `aitk-test/busybox-df:${Math.random().toString(36).slice(2, 8)}`;

beforeAll(() => buildBusyboxBase(docker, BASE), 60_000);

afterAll(async () => {
  await removeWithDescendants(docker, BASE);
});

const CASES: [string, string, Record<string, unknown>][] = [
  [
    "vllm on H100 (CUDA wheels)",
    "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nENGINE vllm\nOBSERVABILITY otel\nTARGET nvidia-h100\nENV MAX_MODEL_LEN=4096\n",
    { cuda: "12.4" },
  ],
  [
    "vllm on MI300 (ROCm source build)",
    "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nENGINE vllm\nTARGET amd-mi300\n",
    {},
  ],
  [
    "llama.cpp q4_k_m on H100",
    "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nQUANTIZE q4_k_m\nENGINE llama.cpp\nTARGET nvidia-h100\n",
    {},
  ],
  [
    "llama.cpp on apple-m4 (arm64 CPU)",
    "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nQUANTIZE q8_0\nTARGET apple-m4\n",
    {},
  ],
  [
    "vllm GGUF (experimental)",
    "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nQUANTIZE q4_k_m\nENGINE vllm\nTARGET nvidia-h100\n",
    { allowExperimental: true },
  ],
  [
    "tgi",
    "FROM ai-base:2026\nMODEL meta-llama/Llama-3.2-1B-instruct\nQUANTIZE awq\nENGINE tgi\nTARGET nvidia-l4\n",
    {},
  ],
  [
    "onnxruntime cpu",
    'FROM ai-base:2026\nMODEL org/model-onnx\nQUANTIZE int8\nENGINE onnxruntime\nTARGET cpu\nCMD ["python3", "-m", "server"]\n',
    { optimize: "for-size" },
  ],
];

describe("generated Dockerfiles on the classic builder", () => {
  it.each(CASES)(
    "%s parses and runs up to its first RUN",
    async (_label, text, opts) => {
      const plan = planBuild(text, opts);
      const steps: string[] = [];
      const r = await runDockerBuild(
        docker,
        contextTar({ Dockerfile: plan.dockerfile, "requirements.txt": plan.requirements }),
        {
          tag: `${BASE}-probe`,
          network: "none",
          buildArgs: { BUILD_IMAGE: BASE, RUNTIME_IMAGE: BASE, TOOLS_IMAGE: BASE },
          onEvent: (e) => {
            if (e.type === "step") steps.push(e.instruction);
          },
        },
      );
      const total = (
        plan.dockerfile.match(/^(FROM|ARG|ENV|RUN|COPY|LABEL|EXPOSE|HEALTHCHECK|USER|CMD|WORKDIR) /gm) ?? []
      ).length;
      expect(steps.length).toBeGreaterThan(1);
      expect(r.error?.step, JSON.stringify(r.error)).toMatch(/^Step \d+\/(\d+) : RUN /);
      expect(Number(/\/(\d+) :/.exec(r.error?.step ?? "")?.[1])).toBe(total); // the builder read every instruction
      expect(r.error?.message).toMatch(/returned a non-zero code: 127/); // busybox has no apt-get/git/pip
    },
    60_000,
  );
});
