import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { isDomainError } from "../errors";
import { checkDeploymentYaml, parseDeploymentYaml } from "./parse";
import { renderDeployment } from "./render/index";
import { estimateCost } from "./cost";
import { createRng } from "../gguf/rng";

// 1,000 mutated specs from a seeded PRNG: every one either validates (and renders) or comes back with
// errors that carry a position inside the file. Nothing may throw anything but a VALIDATION DomainError.

const fixture = (name: string) =>
  readFileSync(new URL(`./fixtures/${name}.aitk-deploy.yaml`, import.meta.url), "utf8");

const TOKENS = [
  "",
  "-1",
  "0",
  "1e309",
  "0.5",
  "true",
  "null",
  "~",
  "[]",
  "{}",
  "[1, 2",
  "{a: ",
  "'",
  '"',
  "&a",
  "*a",
  "!!binary aGk=",
  "!custom x",
  "\t",
  "- x",
  "? y",
  ": z",
  "kubernetes",
  "tensor-parallel-0",
  "640Xi",
  "1h2x",
  "ÿ",
  "#",
  "|",
  ">",
  "%YAML 1.2",
  "---",
  "...",
  "@",
  "`",
];

function mutate(text: string, rnd: () => number): string {
  const lines = text.split("\n");
  const pick = (n: number) => Math.floor(rnd() * n);
  const ops = 1 + pick(3);
  for (let k = 0; k < ops; k++) {
    const i = pick(lines.length);
    const line = lines[i] ?? "";
    const token = TOKENS[pick(TOKENS.length)] ?? "";
    switch (pick(9)) {
      case 0:
        lines.splice(i, 1);
        break;
      case 1:
        lines.splice(i, 0, line);
        break;
      case 2:
        lines[i] = ` ${line}`;
        break;
      case 3:
        lines[i] = line.replace(/^\s\s/, "");
        break;
      case 4:
        lines[i] = line.includes(":") ? `${line.slice(0, line.indexOf(":") + 1)} ${token}` : token;
        break;
      case 5: {
        const c = pick(line.length + 1);
        lines[i] = line.slice(0, c) + token + line.slice(c);
        break;
      }
      case 6:
        lines.splice(i, 0, `${line.match(/^\s*/)?.[0] ?? ""}x${pick(100)}: ${token}`);
        break;
      case 7:
        return lines.slice(0, i).join("\n") + line.slice(0, pick(line.length + 1));
      default: {
        const j = pick(lines.length);
        lines[i] = lines[j] ?? "";
        lines[j] = line;
      }
    }
  }
  return lines.join("\n");
}

describe("mutated specs", () => {
  it("1,000 mutations: errors with positions, no crash", () => {
    const rnd = createRng(20261125);
    const sources = [fixture("seed"), fixture("all-platforms"), fixture("small-models")];
    let invalid = 0;
    for (let n = 0; n < 1000; n++) {
      const src = sources[n % sources.length] ?? "";
      const text = mutate(src, rnd);
      const lineCount = text.split("\n").length;
      const r = checkDeploymentYaml(text);
      if (r.ok) {
        // Valid after mutation: it must render and cost without throwing.
        if (r.spec && n % 25 === 0) {
          renderDeployment(r.spec);
          estimateCost(r.spec);
        }
        continue;
      }
      invalid++;
      expect(r.errors.length, text).toBeGreaterThan(0);
      for (const e of r.errors) {
        expect(e.line, text).toBeGreaterThanOrEqual(1);
        expect(e.line, text).toBeLessThanOrEqual(lineCount + 1);
        expect(e.column, text).toBeGreaterThanOrEqual(1);
        expect(e.message.length).toBeGreaterThan(0);
      }
      if (n % 20 !== 0) continue;
      try {
        parseDeploymentYaml(text);
        expect.unreachable();
      } catch (err) {
        expect(isDomainError(err) && err.code === "VALIDATION").toBe(true);
      }
    }
    // The mutations are meant to break most files.
    expect(invalid).toBeGreaterThan(500);
  }, 60_000);
});
