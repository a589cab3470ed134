// 1,000 random and mutated Dockerfile.ai inputs from a seeded PRNG: the parser, formatter and resolver
// never crash, every error carries a 1-based position inside the input, and resolver failures are
// DomainError VALIDATION.
import { describe, expect, it } from "vitest";
import { DomainError } from "../errors";
import { formatDoc, semanticOf } from "./format";
import { dockerfileAi, SEED_DOCKERFILE_AI } from "./fixtures";
import { parseDockerfileAi } from "./parse";
import { resolveDockerfileAi } from "./resolve";
import {
  AI_DIRECTIVES,
  DOCKER_INSTRUCTIONS,
  ENGINE_NAMES,
  QUANTIZE_VALUES,
  TARGET_NAMES,
} from "./vocabulary";
import { createRng } from "../gguf/rng";

const CORPUS = [
  SEED_DOCKERFILE_AI,
  dockerfileAi(
    {
      ENGINE: "llama.cpp@b4827",
      QUANTIZE: "q4_k_m",
      TARGET: "nvidia-h100 driver=550.54.15",
      OBSERVABILITY: "otel,prometheus endpoint=http://c:4317",
    },
    'RUN echo a \\\n  && echo b\nCMD ["x"]\n',
  ),
  dockerfileAi({ ENGINE: "vllm@0.6.3", TARGET: "amd-mi300", AUTO_REQ: "false" }),
  'FROM aitk/busybox:1\nMODEL ./model\nENGINE custom\nTARGET cpu\nHEALTHCHECK CMD true\nCMD ["/bin/sh"]\n',
];
const WORDS = [
  ...AI_DIRECTIVES,
  ...DOCKER_INSTRUCTIONS,
  ...ENGINE_NAMES,
  ...QUANTIZE_VALUES,
  ...TARGET_NAMES,
  "ai-base:2026",
  "org/model",
  "=",
  "@",
  "#",
  "\\",
  "\n",
  "\r\n",
  "\t",
  " ",
  "[",
  "]",
  '"',
  "driver=",
  "revision=",
  "--platform=linux/arm64",
  "AS",
  "é",
  "😀",
  "\u0000",
];

function mutate(text: string, rnd: () => number): string {
  let s = text;
  const n = 1 + Math.floor(rnd() * 4);
  for (let i = 0; i < n; i++) {
    const at = Math.floor(rnd() * (s.length + 1));
    const op = rnd();
    if (op < 0.3)
      s = s.slice(0, at) + s.slice(at + 1 + Math.floor(rnd() * 5)); // delete
    else if (op < 0.6)
      s = s.slice(0, at) + (WORDS[Math.floor(rnd() * WORDS.length)] as string) + s.slice(at); // insert word
    else if (op < 0.8)
      s = s.slice(0, at) + String.fromCharCode(32 + Math.floor(rnd() * 95)) + s.slice(at + 1); // replace char
    else {
      const lines = s.split("\n"); // swap two lines
      const a = Math.floor(rnd() * lines.length);
      const b = Math.floor(rnd() * lines.length);
      [lines[a], lines[b]] = [lines[b] as string, lines[a] as string];
      s = lines.join("\n");
    }
  }
  return s;
}

function random(rnd: () => number): string {
  const lines: string[] = [];
  const n = Math.floor(rnd() * 12);
  for (let i = 0; i < n; i++) {
    const k = Math.floor(rnd() * 5);
    lines.push(
      Array.from({ length: k }, () => WORDS[Math.floor(rnd() * WORDS.length)]).join(rnd() < 0.8 ? " " : ""),
    );
  }
  return lines.join(rnd() < 0.9 ? "\n" : "\r\n");
}

describe("Dockerfile.ai fuzz (seeded)", () => {
  it("1,000 random and mutated inputs: no crash, every error positioned", () => {
    const rnd = createRng(20261125);
    let errors = 0;
    let resolved = 0;
    let refused = 0;
    for (let i = 0; i < 1000; i++) {
      const text = i % 3 === 0 ? random(rnd) : mutate(CORPUS[i % CORPUS.length] as string, rnd);
      const r = parseDockerfileAi(text);
      const lineCount = text.split(/\r\n|\r|\n/).length;
      for (const d of r.diagnostics) {
        expect(
          Number.isInteger(d.line) && d.line >= 1 && d.line <= lineCount,
          `line of ${JSON.stringify(d)} in ${JSON.stringify(text)}`,
        ).toBe(true);
        expect(Number.isInteger(d.column) && d.column >= 1, `column of ${JSON.stringify(d)}`).toBe(true);
        expect(d.message.length).toBeGreaterThan(0);
        if (d.severity === "error") errors++;
      }
      if (!r.ok) continue;
      // valid documents: the formatter keeps their meaning
      const again = parseDockerfileAi(formatDoc(r.doc));
      expect(again.ok, formatDoc(r.doc)).toBe(true);
      expect(semanticOf(again.doc)).toEqual(semanticOf(r.doc));
      try {
        resolveDockerfileAi(r.doc);
        resolved++;
      } catch (e) {
        expect(e).toBeInstanceOf(DomainError);
        expect((e as DomainError).code).toBe("VALIDATION");
        refused++;
      }
    }
    expect(errors).toBeGreaterThan(100);
    expect(resolved + refused).toBeGreaterThan(50);
  }, 60_000);
});
