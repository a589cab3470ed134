import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateTinyLlamaGguf } from "@aitk/core/gguf/tinyLlama";
import { afterAll, describe, expect, it } from "vitest";
import { ensureModelFile } from "./modelFile";

const dir = mkdtempSync(join(tmpdir(), "aitk-modelfile-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const log = () => undefined;

describe("ensureModelFile", () => {
  it("generates a missing model, then reuses it", async () => {
    const path = join(dir, "a/b/tiny.gguf");
    expect((await ensureModelFile(path, 42, log)).generated).toBe(true);
    const first = readFileSync(path);
    const again = await ensureModelFile(path, 42, log);
    expect(again.generated).toBe(false);
    expect(again.summary.architecture).toBe("llama");
    expect(readFileSync(path).equals(first)).toBe(true);
  });

  it("regenerates a generated model made with another seed, but never touches other models", async () => {
    const path = join(dir, "stale.gguf");
    writeFileSync(path, generateTinyLlamaGguf({ seed: 7 }));
    expect((await ensureModelFile(path, 42, log)).generated).toBe(true);
    expect(readFileSync(path).equals(Buffer.from(generateTinyLlamaGguf({ seed: 42 })))).toBe(true);

    const junk = join(dir, "junk.gguf");
    writeFileSync(junk, "not a model");
    await expect(ensureModelFile(junk, 42, log)).rejects.toThrow(/not a loadable model: not a GGUF file/);
    expect(readFileSync(junk, "utf8")).toBe("not a model");
  });
});
