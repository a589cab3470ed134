import { createHash } from "node:crypto";
import { createReadStream, lstatSync, readdirSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import type { TManifestEntry } from "@aitk/core/security/manifest";
import { UsageError } from "../errors";

export async function sha256File(path: string): Promise<{ sha256: string; size: number }> {
  const hash = createHash("sha256");
  let size = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: hash.digest("hex"), size };
}

/** Every regular file under dir (relative POSIX paths), in a stable order; symlinks are refused. */
export function listModelFiles(dir: string, exclude: string[] = []): string[] {
  const root = resolve(dir);
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(root);
  } catch {
    throw new UsageError(`model directory not found: ${dir}`);
  }
  if (!st.isDirectory()) throw new UsageError(`--model must be a directory of model files: ${dir}`);
  const skip = new Set(exclude.map((p) => resolve(p)));
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const full = join(d, name);
      if (skip.has(full)) continue;
      const s = lstatSync(full);
      if (s.isSymbolicLink()) {
        throw new UsageError(`${relative(root, full)} is a symbolic link: copy the file in before signing`);
      }
      if (s.isDirectory()) walk(full);
      else if (s.isFile()) out.push(relative(root, full).split(sep).join("/"));
    }
  };
  walk(root);
  return out;
}

export async function manifestEntries(dir: string, exclude: string[] = []): Promise<TManifestEntry[]> {
  const entries: TManifestEntry[] = [];
  for (const path of listModelFiles(dir, exclude)) {
    entries.push({ path, ...(await sha256File(join(dir, path))) });
  }
  return entries;
}
