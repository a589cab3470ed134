import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import Ajv from "ajv";
import addFormats from "ajv-formats";
import { describe, expect, it } from "vitest";
import { dockerfileAi } from "./fixtures";
import { parseDpkgStatus, parsePythonMetadata, osvEcosystemFromOsRelease } from "./inventory";
import { isSpdxExpression, licenceFinding, modelLicence } from "./licence";
import { inRange, matchAdvisories, type TOsvAdvisory } from "./osv";
import { comparePep440 } from "./pep440";
import { compareDpkg } from "./dpkg";
import { parseDockerfileAiOrThrow } from "./parse";
import { planBuild } from "./plan";
import { resolveDockerfileAi } from "./resolve";
import { buildSbom, debPurl, dockerPurl, pypiPurl } from "./sbom";
import { SHIPPED_ADVISORIES, scanResolution } from "./scan";

const require = createRequire(import.meta.url);
// The schemas bundled with @cyclonedx/cyclonedx-library (res/schema), validated offline with ajv.
const schemaDir = join(dirname(require.resolve("@cyclonedx/cyclonedx-library/package.json")), "res/schema");
const readSchema = (file: string) =>
  JSON.parse(readFileSync(join(schemaDir, file), "utf8")) as Record<string, unknown>;
function validator() {
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const withId = (file: string) => ({ ...readSchema(file), $id: `http://cyclonedx.org/schema/${file}` });
  ajv.addSchema(withId("spdx.SNAPSHOT.schema.json"));
  ajv.addSchema(withId("jsf-0.82.SNAPSHOT.schema.json"));
  ajv.addSchema(withId("cryptography-defs.SNAPSHOT.schema.json"));
  return ajv.compile(readSchema("bom-1.6.SNAPSHOT.schema.json"));
}
const validate = validator();

describe("CycloneDX 1.6 SBOM", () => {
  const text = dockerfileAi({ ENGINE: "vllm", OBSERVABILITY: "otel", TARGET: "nvidia-h100" });

  it("validates against the library's bundled 1.6 schema, with the model as machine-learning-model", () => {
    const { sbom } = planBuild(text, { cuda: "12.4", image: "my-llm-server:2026" });
    const ok = validate(sbom);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    expect(sbom).toMatchObject({ bomFormat: "CycloneDX", specVersion: "1.6" });
    const comps = sbom.components as Record<string, unknown>[];
    const model = comps.find((c) => c.type === "machine-learning-model");
    expect(model).toMatchObject({
      name: "Llama-3.2-1B-instruct",
      group: "meta-llama",
      purl: "pkg:huggingface/meta-llama/Llama-3.2-1B-instruct",
      licenses: [{ license: { name: "Llama 3.2 Community License Agreement" } }],
      modelCard: { modelParameters: { task: "text-generation" } },
    });
    expect(comps.find((c) => c.name === "torch")).toMatchObject({
      version: "2.6.0+cu124",
      purl: "pkg:pypi/torch@2.6.0%2Bcu124",
    });
    expect(comps.find((c) => c["bom-ref"] === "base-image:runtime")).toMatchObject({
      type: "container",
      purl: "pkg:docker/nvidia/cuda@12.4.1-base-ubuntu22.04",
    });
    expect(comps.some((c) => c.purl === "pkg:deb/ubuntu/python3?distro=ubuntu-22.04")).toBe(true);
    // findings are carried as CycloneDX vulnerabilities pointing at the component
    const vulns = sbom.vulnerabilities as { id: string; affects: { ref: string }[] }[];
    expect(vulns.map((v) => v.id)).toContain("GHSA-8fr4-5q9j-m8gm");
    expect(vulns.every((v) => comps.some((c) => c["bom-ref"] === v.affects[0]?.ref))).toBe(true);
  });

  it("is deterministic (no serial number or timestamp unless given)", () => {
    expect(JSON.stringify(planBuild(text).sbom)).toBe(JSON.stringify(planBuild(text).sbom));
  });

  it("lists real image inventory after a build and still validates", () => {
    const doc = parseDockerfileAiOrThrow(dockerfileAi({ QUANTIZE: "q4_k_m", TARGET: "cpu" }));
    const resolution = resolveDockerfileAi(doc);
    const osPackages = parseDpkgStatus(DPKG_STATUS);
    const pythonPackages = [{ name: "transformers", version: "4.35.0", license: "Apache-2.0" }];
    const scan = scanResolution({ resolution, osPackages, osEcosystem: "Debian:13", pythonPackages });
    const sbom = buildSbom({
      resolution,
      osPackages,
      osEcosystem: "Debian:13",
      pythonPackages,
      vulnerabilities: scan.vulnerabilities,
      imageId: "sha256:abc",
      timestamp: "2026-11-25T00:00:00Z",
      serialNumber: "urn:uuid:3e671687-395b-41f5-a30f-a58921a69b79",
      modelHashes: { "/models/x.gguf": "a".repeat(64) },
    });
    expect(validate(sbom)).toBe(true);
    expect(validate.errors ?? []).toEqual([]);
    expect(scan.inventory).toBe("image");
    // critical first, then by package name
    expect(scan.vulnerabilities.map((v) => v.id)).toEqual([
      "GHSA-3863-2447-669p",
      "DEBIAN-CVE-2024-3094",
      "GHSA-37q5-v5qm-c9v8",
      "GHSA-qxrp-vhvm-j765",
      "GHSA-v68g-wm8c-6x7j",
    ]);
    expect(scan.vulnerabilities.find((v) => v.package === "xz-utils")).toMatchObject({
      package: "xz-utils",
      version: "5.6.1-1",
      fixedIn: "5.6.1+really5.4.5-1",
      severity: "critical",
    });
    const comps = sbom.components as Record<string, unknown>[];
    expect(comps.find((c) => c.name === "liblzma5")).toMatchObject({
      version: "5.6.1-1",
      purl: "pkg:deb/debian/liblzma5@5.6.1-1?arch=amd64&distro=debian-13",
    });
    expect(comps.find((c) => c.type === "machine-learning-model")).toMatchObject({
      hashes: [{ alg: "SHA-256", content: "a".repeat(64) }],
    });
  });
});

const DPKG_STATUS = `Package: liblzma5
Status: install ok installed
Architecture: amd64
Source: xz-utils
Version: 5.6.1-1
Description: XZ-format compression library
 multi-line description

Package: xz-utils
Status: install ok installed
Architecture: amd64
Version: 5.6.1+really5.4.5-1

Package: removed-thing
Status: deinstall ok config-files
Version: 1.0-1
`;

describe("inventory readers", () => {
  it("parses dpkg status, skipping packages that are not installed", () => {
    expect(parseDpkgStatus(DPKG_STATUS)).toEqual([
      { name: "liblzma5", version: "5.6.1-1", arch: "amd64", source: "xz-utils" },
      { name: "xz-utils", version: "5.6.1+really5.4.5-1", arch: "amd64" },
    ]);
  });
  it("parses Python METADATA and os-release", () => {
    expect(
      parsePythonMetadata(
        "Metadata-Version: 2.1\nName: torch\nVersion: 2.6.0+cu124\nLicense: BSD-3-Clause\n\nbody",
      ),
    ).toEqual({ name: "torch", version: "2.6.0+cu124", license: "BSD-3-Clause" });
    expect(parsePythonMetadata("Name: x\n")).toBeNull();
    expect(osvEcosystemFromOsRelease('ID=ubuntu\nVERSION_ID="22.04"\n')).toBe("Ubuntu:22.04");
    expect(osvEcosystemFromOsRelease('ID=debian\nVERSION_ID="12"\n')).toBe("Debian:12");
  });
});

describe("OSV matching", () => {
  const pep = (a: string, b: string) => comparePep440(a, b);
  it("evaluates ranges like the OSV spec (introduced / fixed / last_affected / limit)", () => {
    const ev = [{ introduced: "0.6.5" }, { fixed: "0.8.5" }];
    expect(inRange("0.6.4", ev, pep)).toBe(false);
    expect(inRange("0.6.5", ev, pep)).toBe(true);
    expect(inRange("0.8.5rc1", ev, pep)).toBe(true);
    expect(inRange("0.8.5", ev, pep)).toBe(false);
    expect(inRange("0.8.5.post1", ev, pep)).toBe(false);
    expect(inRange("1.2", [{ introduced: "0" }, { last_affected: "1.2" }], pep)).toBe(true);
    expect(inRange("1.2.1", [{ introduced: "0" }, { last_affected: "1.2" }], pep)).toBe(false);
    expect(inRange("3.0", [{ introduced: "1.0" }, { limit: "2.0" }], pep)).toBe(false);
    // two disjoint windows in one range
    const two = [{ introduced: "1.0" }, { fixed: "1.2" }, { introduced: "2.0" }, { fixed: "2.1" }];
    expect([inRange("1.1", two, pep), inRange("1.5", two, pep), inRange("2.0.5", two, pep)]).toEqual([
      true,
      false,
      true,
    ]);
    expect(
      inRange("5.6.1-1", [{ introduced: "5.6.0-0.1" }, { fixed: "5.6.1+really5.4.5-1" }], compareDpkg),
    ).toBe(true);
    expect(
      inRange(
        "5.6.1+really5.4.5-1",
        [{ introduced: "5.6.0-0.1" }, { fixed: "5.6.1+really5.4.5-1" }],
        compareDpkg,
      ),
    ).toBe(false);
  });

  it("matches shipped advisories by normalized PyPI name, ignoring local labels; dedupes aliases; skips withdrawn", () => {
    const f = matchAdvisories(
      [
        { ecosystem: "PyPI", name: "Torch", version: "2.5.1+cu124" },
        { ecosystem: "PyPI", name: "vllm", version: "0.8.5.post1" },
        { ecosystem: "PyPI", name: "vllm", version: "0.8.4" },
      ],
      SHIPPED_ADVISORIES,
    );
    // 2.5.1 is past PYSEC-2024-259's fix (2.5.0) but before GHSA-53q9's (2.6.0)
    expect(f.filter((x) => x.package === "Torch").map((x) => x.id)).toEqual(["GHSA-53q9-r3pm-6pq6"]);
    expect(f.find((x) => x.id === "GHSA-53q9-r3pm-6pq6")).toMatchObject({
      fixedIn: "2.6.0",
      severity: "critical",
    });
    const v084 = f.filter((x) => x.version === "0.8.4").map((x) => x.id);
    expect(v084).toContain("GHSA-hj4w-hm2g-p6w5");
    expect(f.filter((x) => x.version === "0.8.5.post1").map((x) => x.id)).not.toContain(
      "GHSA-hj4w-hm2g-p6w5",
    );
    const dup: TOsvAdvisory[] = [
      {
        id: "GHSA-aaaa",
        modified: "x",
        aliases: ["CVE-1"],
        affected: [
          {
            package: { ecosystem: "PyPI", name: "p" },
            ranges: [{ type: "ECOSYSTEM", events: [{ introduced: "0" }] }],
          },
        ],
      },
      {
        id: "PYSEC-1",
        modified: "x",
        aliases: ["CVE-1"],
        affected: [{ package: { ecosystem: "PyPI", name: "p" }, versions: ["1.0"] }],
      },
      {
        id: "GHSA-gone",
        modified: "x",
        withdrawn: "2025-01-01",
        affected: [{ package: { ecosystem: "PyPI", name: "p" }, versions: ["1.0"] }],
      },
    ];
    expect(matchAdvisories([{ ecosystem: "PyPI", name: "p", version: "1.0" }], dup).map((x) => x.id)).toEqual(
      ["GHSA-aaaa"],
    );
    // Debian:13 advisories do not apply to Debian:12 packages
    expect(
      matchAdvisories([{ ecosystem: "Debian:12", name: "xz-utils", version: "5.6.1-1" }], SHIPPED_ADVISORIES),
    ).toEqual([]);
  });
});

describe("licence policy and purls", () => {
  it("flags non-SPDX model licences for review and accepts SPDX ones", () => {
    expect(licenceFinding("m", "model", modelLicence("meta-llama/Llama-3.2-1B-instruct"))).toMatchObject({
      status: "review",
      licence: "LicenseRef-llama3.2-community",
    });
    expect(licenceFinding("m", "model", modelLicence("mistralai/Mistral-7B-Instruct-v0.3"))).toMatchObject({
      status: "ok",
      licence: "Apache-2.0",
    });
    expect(licenceFinding("m", "model", modelLicence("someone/unknown"))).toMatchObject({
      status: "unknown",
    });
    expect(licenceFinding("m", "model", modelLicence("someone/x", "MIT"))).toMatchObject({ status: "ok" });
    expect(isSpdxExpression("(MIT OR Apache-2.0) AND BSD-3-Clause")).toBe(true);
    expect(isSpdxExpression("GPL-2.0-only WITH Classpath-exception-2.0")).toBe(true);
    expect(isSpdxExpression("LicenseRef-llama3.2-community")).toBe(false);
    expect(isSpdxExpression("MIT OR")).toBe(false);
  });
  it("scan summarises licence reviews", () => {
    const { scan } = planBuild(dockerfileAi({ QUANTIZE: "q4_k_m", TARGET: "cpu" }));
    expect(scan.summary.licenceReview).toBe(1);
    expect(scan.inventory).toBe("requirements");
  });
  it("builds purls", () => {
    expect(pypiPurl("Torch_Vision", "0.19.0+cu124")).toBe("pkg:pypi/torch-vision@0.19.0%2Bcu124");
    expect(debPurl("libc6", "2.35-0ubuntu3.8", "Ubuntu:22.04", "amd64")).toBe(
      "pkg:deb/ubuntu/libc6@2.35-0ubuntu3.8?arch=amd64&distro=ubuntu-22.04",
    );
    expect(dockerPurl("localhost:5000/a/b:1.0")).toBe("pkg:docker/localhost%3A5000/a/b@1.0");
    expect(dockerPurl("busybox")).toBe("pkg:docker/busybox@latest");
  });
});
