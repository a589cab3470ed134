// Shared set-up of the deploy tests on the local Docker engine: an org that may route to loopback
// upstreams with limits high enough not to refuse, the local engine as its host, and an inference key.
import { randomBytes } from "node:crypto";
import { generateApiKey } from "@aitk/core/crypto/apiKeys";
import type { TPrisma } from "@aitk/db";
import type Docker from "dockerode";

export async function seedLocalDeployOrg(
  prisma: TPrisma,
  name: string,
): Promise<{ orgId: string; apiKey: string }> {
  const org = await prisma.organization.create({
    data: {
      name,
      slug: `${name}-${randomBytes(3).toString("hex")}`,
      plan: "paid",
      allowLoopbackUpstreams: true,
      rpmLimit: 1_000_000,
      tpmLimit: 100_000_000,
    },
  });
  await prisma.host.create({
    data: { orgId: org.id, name: "local", kind: "docker", endpoint: "unix:///var/run/docker.sock" },
  });
  const k = generateApiKey();
  await prisma.apiKey.create({
    data: {
      orgId: org.id,
      name: "t",
      prefix: k.prefix,
      hash: k.hash,
      scopes: ["inference"],
      allowedModels: [],
    },
  });
  return { orgId: org.id, apiKey: k.key };
}

/** Removes every container the org's rollouts left (labelled aitk.io/org), running or not. */
export async function removeOrgContainers(docker: Docker, orgId: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: { label: [`aitk.io/org=${orgId}`] } });
  for (const c of list)
    await docker
      .getContainer(c.Id)
      .remove({ force: true })
      .catch(() => {});
}
