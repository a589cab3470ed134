import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

// Base images cannot be pulled on these machines, so instead of `docker compose up` the compose file
// is checked against the official compose-spec JSON schema.
const root = join(import.meta.dirname, "..");
const schemaPath = join(root, "..", "shared", "data", "compose-spec.json");

describe("docker-compose.yml", () => {
  const doc = parse(readFileSync(join(root, "docker-compose.yml"), "utf8"), { merge: true });

  it("is valid against the compose specification", () => {
    const schema = JSON.parse(readFileSync(schemaPath, "utf8"));
    delete schema.$schema;
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    const validate = ajv.compile(schema);
    const ok = validate(doc);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it("runs the whole stack from the repo's own Dockerfile", () => {
    for (const s of ["postgres", "redis", "web", "worker", "gateway", "engine", "migrate"]) {
      expect(doc.services[s], s).toBeDefined();
    }
    for (const s of ["web", "worker", "gateway", "engine"]) {
      expect(doc.services[s].build.dockerfile).toBe("docker/Dockerfile");
    }
    expect(readFileSync(join(root, "docker/Dockerfile"), "utf8")).toMatch(/^FROM node:20-bookworm-slim/m);
  });
});
