// The embedded engine as an image, built from local files only (no registry is reachable here): the
// host's node binary and the shared libraries `ldd` lists, the engine bundle, the packages it imports
// (node-llama-cpp with only its linux-x64 prebuilt) and the generated tiny model, streamed as a tar
// context to `FROM scratch`. Cached by content hash: an image whose label matches is reused.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { Readable } from "node:stream";
import { generateTinyLlamaGguf, TINY_LLAMA_GENERATOR_VERSION } from "@aitk/core/gguf/tinyLlama";
import type Docker from "dockerode";
import tar from "tar-stream";

export const ENGINE_IMAGE_REPO = "aitk/engine";
export const ENGINE_IMAGE_LOCAL = `${ENGINE_IMAGE_REPO}:local`;
const HASH_LABEL = "dev.aitk.engine.content-hash";
const MODEL_PATH = "/app/models/aitk-tiny.gguf";

/** Packages the bundle imports at run time (the rest of aitk is bundled into engine.js). */
const ROOTS = ["pino", "prom-client", "zod", "node-llama-cpp", "@node-llama-cpp/linux-x64"];
const SKIP = [/\.map$/, /\.d\.ts$/, /\.md$/i, /(^|\/)node-llama-cpp\/llama\/gitRelease\.bundle$/];

type TEntry = { dest: string; source?: string; data?: Buffer; mode: number };

function findPackage(name: string, from: string, root: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    const p = join(dir, "node_modules", name);
    if (existsSync(join(p, "package.json"))) return realpathSync(p);
    if (dir === root || dir === dirname(dir)) return null;
  }
}

/** The package directories `roots` need at run time (dependencies, transitively; no optional ones). */
export function packageClosure(root: string, roots = ROOTS): string[] {
  const seen = new Set<string>();
  const queue = roots.map((n) => ({ name: n, from: root }));
  while (queue.length) {
    const { name, from } = queue.shift()!;
    const dir = findPackage(name, from, root);
    if (!dir) {
      if (roots.includes(name)) throw new Error(`package ${name} is not installed (run npm install)`);
      continue;
    }
    if (seen.has(dir)) continue;
    seen.add(dir);
    const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(pkg.dependencies ?? {})) queue.push({ name: dep, from: dir });
  }
  return [...seen].sort();
}

function walk(dir: string, out: string[]): void {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    const st = lstatSync(p);
    if (st.isDirectory()) walk(p, out);
    else if (st.isFile() || st.isSymbolicLink()) out.push(p);
  }
}

/**
 * Bundles the engine from source (scripts/bundle.mjs, as `npm run build -w @aitk/gateway` does) into
 * .aitk/engine-image/, so the image always matches the checkout without touching the gateway's dist/.
 */
export function bundleEngine(root: string): string {
  const out = join(root, ".aitk/engine-image/engine.js");
  execFileSync(
    process.execPath,
    [join(root, "scripts/bundle.mjs"), join(root, "apps/gateway/src/engine/main.ts"), out],
    {
      cwd: root,
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  if (!existsSync(out)) throw new Error(`bundling the engine did not produce ${out}`);
  return out;
}

/** Shared libraries of the binaries, as `ldd` resolves them here (the loader included). */
export function sharedLibraries(binaries: string[]): string[] {
  const libs = new Set<string>();
  for (const b of binaries) {
    const text = execFileSync("ldd", [b], { encoding: "utf8" });
    for (const line of text.split("\n")) {
      const m = /=>\s*(\/\S+)/.exec(line) ?? /^\s*(\/\S+)\s+\(/.exec(line);
      if (m?.[1]) libs.add(m[1]);
    }
  }
  return [...libs].sort();
}

export interface TEngineImageContext {
  entries: TEntry[];
  dockerfile: string;
  hash: string;
}

/** Everything the image holds, and the content hash that names it. */
export function engineImageContext(root: string, nodeBinary = process.execPath): TEngineImageContext {
  const bundle = bundleEngine(root);
  const entries: TEntry[] = [];
  const node = realpathSync(nodeBinary);
  entries.push({ dest: "usr/local/bin/node", source: node, mode: 0o755 });
  const packages = packageClosure(root);
  const addonDir = packages.find((p) => p.endsWith("@node-llama-cpp/linux-x64"));
  const natives = addonDir ? [join(addonDir, "bins/linux-x64/llama-addon.node")] : [];
  for (const lib of sharedLibraries([node, ...natives])) {
    if (lib.startsWith(root)) continue; // the addon's own libraries come with its package
    entries.push({ dest: lib.slice(1), source: realpathSync(lib), mode: 0o755 });
  }
  entries.push({ dest: "app/engine.js", source: bundle, mode: 0o644 });
  for (const dir of packages) {
    const files: string[] = [];
    walk(dir, files);
    for (const f of files) {
      const rel = relative(root, f);
      if (rel.startsWith("..")) continue;
      if (SKIP.some((re) => re.test(rel))) continue;
      const st = statSync(f);
      if (!st.isFile()) continue;
      entries.push({ dest: `app/${rel}`, source: realpathSync(f), mode: st.mode & 0o111 ? 0o755 : 0o644 });
    }
  }
  entries.push({
    dest: MODEL_PATH.slice(1),
    data: Buffer.from(generateTinyLlamaGguf({ seed: 42 })),
    mode: 0o644,
  });
  if (existsSync("/etc/os-release"))
    entries.push({ dest: "etc/os-release", data: readFileSync("/etc/os-release"), mode: 0o644 });
  entries.push({
    dest: "etc/passwd",
    data: Buffer.from("root:x:0:0::/root:/sbin/nologin\naitk:x:1000:1000::/tmp:/sbin/nologin\n"),
    mode: 0o644,
  });
  entries.push({ dest: "etc/group", data: Buffer.from("root:x:0:\naitk:x:1000:\n"), mode: 0o644 });
  entries.sort((a, b) => (a.dest < b.dest ? -1 : a.dest > b.dest ? 1 : 0));

  const dockerfile = [
    "FROM scratch",
    "COPY rootfs/ /",
    "ENV PATH=/usr/local/bin HOME=/tmp NODE_ENV=production",
    `ENV ENGINE_MODEL_PATH=${MODEL_PATH} ENGINE_MODEL_NAME=aitk-tiny ENGINE_PORT=4100 ENGINE_THREADS=1`,
    "WORKDIR /app",
    "USER 1000:1000",
    "EXPOSE 4100",
    'ENTRYPOINT ["/usr/local/bin/node", "/app/engine.js"]',
    "",
  ].join("\n");

  const h = createHash("sha256");
  h.update(dockerfile);
  h.update(String(TINY_LLAMA_GENERATOR_VERSION));
  for (const e of entries) {
    h.update(`${e.dest}\0${e.mode}\0`);
    h.update(e.data ?? readFileSync(e.source!));
  }
  return { entries, dockerfile, hash: h.digest("hex") };
}

function contextStream(ctx: TEngineImageContext): Readable {
  const pack = tar.pack();
  const mtime = new Date(0);
  const dirs = new Set<string>();
  const addDir = (d: string, mode = 0o755) => {
    if (!d || dirs.has(d)) return;
    addDir(dirname(d) === "." ? "" : dirname(d));
    dirs.add(d);
    pack.entry({ name: `${d}/`, type: "directory", mode, mtime });
  };
  pack.entry({ name: "Dockerfile", mode: 0o644, mtime }, ctx.dockerfile);
  addDir("rootfs");
  pack.entry({ name: "rootfs/tmp/", type: "directory", mode: 0o1777, mtime });
  dirs.add("rootfs/tmp");
  // Entries are written one after another (tar-stream needs each body before the next header).
  const entries = ctx.entries;
  let i = 0;
  const next = (): void => {
    const e = entries[i++];
    if (!e) {
      pack.finalize();
      return;
    }
    const name = `rootfs/${e.dest}`;
    addDir(dirname(name));
    const data = e.data ?? readFileSync(e.source!);
    pack.entry({ name, mode: e.mode, mtime, uid: 0, gid: 0 }, data, (err) => {
      if (err) pack.destroy(err);
      else next();
    });
  };
  next();
  return Readable.from(pack);
}

export interface TEngineImage {
  tag: string;
  hash: string;
  built: boolean;
  ms: number;
}

/**
 * Builds `aitk/engine:<version>-<hash>` (and tags it `aitk/engine:local`) unless an image with the same
 * content hash exists. `version` defaults to the gateway package's version.
 */
export async function ensureEngineImage(
  docker: Docker,
  root: string,
  opts: { version?: string; log?: (line: string) => void } = {},
): Promise<TEngineImage> {
  const t0 = performance.now();
  const version =
    opts.version ??
    (JSON.parse(readFileSync(join(root, "apps/gateway/package.json"), "utf8")) as { version: string })
      .version;
  const ctx = engineImageContext(root);
  const tag = `${ENGINE_IMAGE_REPO}:${version}-${ctx.hash.slice(0, 12)}`;
  const existing = await docker
    .getImage(tag)
    .inspect()
    .catch(() => null);
  if (existing?.Config?.Labels?.[HASH_LABEL] === ctx.hash) {
    await docker.getImage(tag).tag({ repo: ENGINE_IMAGE_REPO, tag: "local" });
    return { tag, hash: ctx.hash, built: false, ms: Math.round(performance.now() - t0) };
  }
  opts.log?.(`building ${tag} from ${ctx.entries.length} files`);
  const stream = (await docker.buildImage(contextStream(ctx), {
    t: tag,
    labels: { [HASH_LABEL]: ctx.hash },
    rm: true,
    forcerm: true,
    networkmode: "none",
    version: "1",
  } as Docker.ImageBuildOptions)) as unknown as Readable;
  let error: string | null = null;
  for await (const chunk of stream) {
    for (const line of String(chunk).split("\n")) {
      if (!line.trim()) continue;
      try {
        const m = JSON.parse(line) as { stream?: string; error?: string };
        if (m.error) error = m.error;
        if (m.stream?.trim()) opts.log?.(m.stream.trim());
      } catch {
        // partial JSON line: the daemon splits long lines; nothing we need is in them
      }
    }
  }
  if (error) throw new Error(`engine image build failed: ${error}`);
  await docker.getImage(tag).tag({ repo: ENGINE_IMAGE_REPO, tag: "local" });
  // Older content-hash builds are superseded; images a container still uses are kept (rmi refuses them).
  const old = await docker.listImages({ filters: { reference: [`${ENGINE_IMAGE_REPO}:*`] } });
  for (const img of old)
    for (const t of img.RepoTags ?? [])
      if (t !== tag && t !== ENGINE_IMAGE_LOCAL && img.Labels?.[HASH_LABEL])
        await docker
          .getImage(t)
          .remove()
          .catch(() => undefined);
  return { tag, hash: ctx.hash, built: true, ms: Math.round(performance.now() - t0) };
}
