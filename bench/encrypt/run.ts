// bench/encrypt: round-trips files of growing size through aitk's streaming AES-256-GCM and prints
// throughput and peak memory of each run. Memory should stay flat as the file grows from 64 MiB to 1 GiB.
// Run: npx tsx bench/encrypt/run.ts [--max-mib 1024]
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { closeSync, createReadStream, mkdtempSync, openSync, rmSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const maxMiB = Number(process.argv[process.argv.indexOf("--max-mib") + 1]) || 1024;
const sizes = [64, 256, 1024].filter((s) => s <= maxMiB);
const dir = mkdtempSync(join(tmpdir(), "aitk-bench-enc-"));
const key = randomBytes(32).toString("hex");
const step = join(import.meta.dirname, "step.ts");

async function sha(path: string) {
  const h = createHash("sha256");
  for await (const c of createReadStream(path, { highWaterMark: 1 << 20 })) h.update(c as Buffer);
  return h.digest("hex");
}

function makeFile(path: string, mib: number) {
  const fd = openSync(path, "w");
  const block = randomBytes(1 << 20);
  for (let i = 0; i < mib; i++) {
    block.writeUInt32LE(i, 0); // every MiB differs, so a swapped chunk would show in the digest
    writeSync(fd, block);
  }
  closeSync(fd);
}

function run(mode: string, input: string, output: string) {
  const r = spawnSync(process.execPath, ["--import", "tsx", step, mode, input, output], {
    encoding: "utf8",
    env: { ...process.env, BENCH_KEY: key },
  });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout) as { seconds: number; maxRssMiB: number };
}

try {
  console.log("size      encrypt MiB/s  decrypt MiB/s  peak RSS enc  peak RSS dec  round trip");
  for (const mib of sizes) {
    const plain = join(dir, "plain.bin");
    makeFile(plain, mib);
    const e = run("encrypt", plain, join(dir, "x.enc"));
    const d = run("decrypt", join(dir, "x.enc"), join(dir, "x.out"));
    const same = (await sha(plain)) === (await sha(join(dir, "x.out")));
    console.log(
      `${String(mib).padStart(5)} MiB  ${(mib / e.seconds).toFixed(0).padStart(13)}  ${(mib / d.seconds).toFixed(0).padStart(13)}` +
        `  ${e.maxRssMiB.toFixed(0).padStart(8)} MiB  ${d.maxRssMiB.toFixed(0).padStart(8)} MiB  ${same ? "identical" : "DIFFERENT"}`,
    );
    rmSync(join(dir, "x.enc"));
    rmSync(join(dir, "x.out"));
    if (!same) process.exitCode = 1;
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
