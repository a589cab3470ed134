// One encrypt or decrypt in its own process, so its peak RSS is its own.
import { parseKeyHex } from "../../packages/core/src/security/chunked-aead";
import { cryptFile } from "../../apps/cli/src/security/stream-crypto";

const [mode, input, output] = process.argv.slice(2) as ["encrypt" | "decrypt", string, string];
const t0 = performance.now();
await cryptFile(mode, parseKeyHex(process.env.BENCH_KEY ?? ""), input, output);
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ seconds, maxRssMiB: process.resourceUsage().maxRSS / 1024 }));
