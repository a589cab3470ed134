#!/usr/bin/env node
// In a checkout (src/ beside bin/) the TypeScript sources run through tsx's loader, so `npx aitk`
// needs no build step and is never stale. An installed package (`npm pack`, `npm i -g`) ships only
// bin/ and dist/: it runs the self-contained bundle dist/aitk.js (npm run build -w aitk).
import { existsSync } from "node:fs";

const src = new URL("../src/main.ts", import.meta.url);
const dist = new URL("../dist/aitk.js", import.meta.url);

if (existsSync(src)) {
  const { register } = await import("tsx/esm/api");
  register();
  await import(src.href);
} else if (existsSync(dist)) {
  await import(dist.href);
} else {
  console.error("aitk: neither src/main.ts nor dist/aitk.js is installed; run `npm run build -w aitk`");
  process.exitCode = 1;
}
