// Local images for the build tests: a base made from Debian's static busybox (nothing is pulled) and a
// clean-up that also removes the intermediate layers the classic builder leaves behind.
import { readFileSync } from "node:fs";
import type Docker from "dockerode";
import { expect } from "vitest";
import { contextTar, runDockerBuild } from "../src/processors/build";

export async function waitForDocker(docker: Docker, socket: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await docker.ping();
      return;
    } catch (e) {
      if (Date.now() > deadline)
        throw new Error(`dockerd not reachable at ${socket}: ${(e as Error).message}`);
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/** Builds `tag`: a scratch image holding the static busybox at each of `paths` (default /bin/sh only). */
export async function buildBusyboxBase(docker: Docker, tag: string, paths = ["/bin/sh"]): Promise<void> {
  const busybox = { base64: readFileSync("/bin/busybox").toString("base64"), mode: 0o755 };
  const copies = paths.map((p) => `COPY busybox ${p}\n`).join("");
  const ctx = contextTar({ Dockerfile: `FROM scratch\n${copies}LABEL aitk.test=${tag}\n` }, { busybox });
  const r = await runDockerBuild(docker, ctx, { tag, network: "none" });
  expect(r.error).toBeNull();
}

/** Removes an image and every image built on top of it (intermediate layers the classic builder keeps). */
export async function removeWithDescendants(d: Docker, ref: string): Promise<void> {
  const root = await d
    .getImage(ref)
    .inspect()
    .catch(() => null);
  if (!root) return;
  const all = await d.listImages({ all: true });
  const doomed = new Set([root.Id]);
  for (let grew = true; grew; ) {
    grew = false;
    for (const i of all) {
      if (i.ParentId && doomed.has(i.ParentId) && !doomed.has(i.Id)) {
        doomed.add(i.Id);
        grew = true;
      }
    }
  }
  const order = all
    .filter((i) => doomed.has(i.Id) && i.Id !== root.Id)
    .map((i) => i.Id)
    .reverse();
  for (const id of [...order, root.Id])
    await d
      .getImage(id)
      .remove({ force: true })
      .catch(() => undefined);
}
