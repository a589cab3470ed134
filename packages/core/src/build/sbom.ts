// CycloneDX 1.6 SBOM for a build: base images, OS packages, Python packages, the engine and the model
// (type machine-learning-model, with a modelCard added to the normalized JSON because the library has no
// ModelCard class). Deterministic: lists sorted, no serial number or timestamp unless given.
import { ComponentType, LifecyclePhase } from "@cyclonedx/cyclonedx-library/Enums";
import {
  Bom,
  Component,
  LicenseExpression,
  NamedLicense,
  Property,
} from "@cyclonedx/cyclonedx-library/Models";
import { JSON as CdxJson, JsonSerializer } from "@cyclonedx/cyclonedx-library/Serialize";
import { Spec1dot6 } from "@cyclonedx/cyclonedx-library/Spec";
import type { TOsPackage, TPyPackage } from "./inventory";
import { isSpdxExpression, modelLicence } from "./licence";
import type { TVulnFinding } from "./osv";
import type { TResolution } from "./resolve";

export interface TSbomInput {
  resolution: TResolution;
  /** Image name:tag, when known. */
  image?: string;
  imageId?: string;
  /** Installed OS packages read from the image; without them, the packages aitk installs are listed unversioned. */
  osPackages?: TOsPackage[];
  osEcosystem?: string;
  /** Installed Python packages read from the image; without them, the pinned requirements are listed. */
  pythonPackages?: TPyPackage[];
  /** sha256 of weight files, keyed by path inside the image. */
  modelHashes?: Record<string, string>;
  vulnerabilities?: TVulnFinding[];
  /** ISO timestamp; omitted by default so dry runs are reproducible. */
  timestamp?: string;
  serialNumber?: string;
}

const enc = (s: string) => encodeURIComponent(s).replace(/%2F/g, "/");

export function pypiPurl(name: string, version?: string): string {
  const n = name.toLowerCase().replace(/[-_.]+/g, "-");
  return `pkg:pypi/${n}${version ? `@${encodeURIComponent(version)}` : ""}`;
}

export function debPurl(name: string, version: string | undefined, distro: string, arch?: string): string {
  const [vendor, rel] = distro.toLowerCase().split(":");
  const q = [arch ? `arch=${arch}` : "", rel ? `distro=${vendor}-${rel}` : ""].filter(Boolean).join("&");
  return `pkg:deb/${vendor}/${enc(name)}${version ? `@${encodeURIComponent(version)}` : ""}${q ? `?${q}` : ""}`;
}

export function dockerPurl(ref: string): string {
  const at = ref.lastIndexOf(":");
  const slash = ref.lastIndexOf("/");
  const [name, tag] = at > slash ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, "latest"];
  return `pkg:docker/${enc(name)}@${encodeURIComponent(tag)}`;
}

function distroOf(r: TResolution): string {
  const m = /ubuntu(\d+\.\d+)/.exec(r.images.runtime) ?? /ubuntu:(\d+\.\d+)/.exec(r.images.runtime);
  return m ? `Ubuntu:${m[1]}` : "Ubuntu:24.04";
}

function licenceOn(c: Component, id: string, name: string): void {
  if (isSpdxExpression(id)) c.licenses.add(new LicenseExpression(id));
  else c.licenses.add(new NamedLicense(id.startsWith("LicenseRef-") ? name : id));
}

type TJson = Record<string, unknown>;

export function buildSbom(input: TSbomInput): TJson {
  const r = input.resolution;
  const bom = new Bom();
  const imageName = input.image ?? `aitk/${r.model.servedName ?? r.model.name}`;
  const root = new Component(ComponentType.Container, imageName, {
    bomRef: "image",
    description: `${r.model.ref} served by ${r.engine.name} on ${r.target.name}`,
  });
  if (input.imageId) root.properties.add(new Property("aitk:image:id", input.imageId));
  bom.metadata.component = root;
  bom.metadata.lifecycles.add(
    input.osPackages || input.pythonPackages ? LifecyclePhase.PostBuild : LifecyclePhase.Build,
  );
  if (input.timestamp) bom.metadata.timestamp = new Date(input.timestamp);
  if (input.serialNumber) bom.serialNumber = input.serialNumber;
  const props: [string, string | null | undefined][] = [
    ["aitk:target", r.target.name],
    ["aitk:platform", r.target.platform],
    ["aitk:engine", `${r.engine.name}${r.engine.version ? `@${r.engine.version}` : ""}`],
    ["aitk:accelerator", `${r.accelerator.kind}${r.accelerator.version ? ` ${r.accelerator.version}` : ""}`],
    ["aitk:torch", r.torch?.version],
    ["aitk:cudnn", r.accelerator.cudnn],
    ["aitk:driver:minimum", r.driver?.minimum],
    ["aitk:driver:recommended", r.driver?.recommended],
    ["aitk:compute-capability", r.target.cc],
    ["aitk:python", r.python?.version],
  ];
  for (const [k, v] of props) if (v) bom.metadata.properties.add(new Property(k, v));

  const add = (c: Component) => {
    bom.components.add(c);
    root.dependencies.add(c.bomRef);
    return c;
  };

  for (const [stage, ref] of [
    ["build", r.images.build],
    ["runtime", r.images.runtime],
  ] as const) {
    if (!ref) continue;
    if (stage === "build" && ref === r.images.runtime) continue;
    const at = ref.lastIndexOf(":");
    const c = new Component(ComponentType.Container, at > ref.lastIndexOf("/") ? ref.slice(0, at) : ref, {
      bomRef: `base-image:${stage}`,
      version: at > ref.lastIndexOf("/") ? ref.slice(at + 1) : "latest",
      purl: dockerPurl(ref),
    });
    c.properties.add(new Property("aitk:stage", stage));
    add(c);
  }

  const distro = input.osEcosystem ?? distroOf(r);
  const osList: TOsPackage[] =
    input.osPackages ?? [...new Set(r.osPackages.runtime)].map((name) => ({ name, version: "" }));
  for (const p of osList) {
    const c = new Component(ComponentType.Library, p.name, {
      bomRef: `deb:${p.name}`,
      ...(p.version ? { version: p.version } : {}),
      purl: debPurl(p.name, p.version || undefined, distro, p.arch),
    });
    if (!p.version)
      c.properties.add(
        new Property("aitk:declared", "installed by the generated Dockerfile; version known after the build"),
      );
    if (p.source && p.source !== p.name) c.properties.add(new Property("aitk:deb:source", p.source));
    add(c);
  }

  const pyList: TPyPackage[] =
    input.pythonPackages ?? r.requirements.map((q) => ({ name: q.name, version: q.version }));
  for (const p of pyList) {
    const c = new Component(ComponentType.Library, p.name, {
      bomRef: `pypi:${p.name.toLowerCase()}`,
      version: p.version,
      purl: pypiPurl(p.name, p.version),
    });
    if (p.license) licenceOn(c, p.license, p.license);
    add(c);
  }

  if (r.engine.name === "llama.cpp" && r.engine.version) {
    const c = new Component(ComponentType.Application, "llama.cpp", {
      bomRef: "engine:llama.cpp",
      version: r.engine.version,
      purl: `pkg:github/ggml-org/llama.cpp@${r.engine.version}`,
    });
    licenceOn(c, "MIT", "MIT");
    add(c);
  }

  const m = r.model;
  const model = new Component(ComponentType.MachineLearningModel, m.name, {
    bomRef: "model",
    ...(m.org ? { group: m.org } : {}),
    ...(m.revision ? { version: m.revision } : {}),
    ...(m.source === "huggingface"
      ? { purl: `pkg:huggingface/${enc(m.ref)}${m.revision ? `@${encodeURIComponent(m.revision)}` : ""}` }
      : {}),
  });
  const lic = modelLicence(m.ref, m.license);
  if (lic) licenceOn(model, lic.id, lic.name);
  model.properties.add(new Property("aitk:model:path", m.pathInImage));
  model.properties.add(new Property("aitk:model:source", m.source));
  model.properties.add(new Property("aitk:quantize", r.quantize.value));
  model.properties.add(new Property("aitk:format", r.quantize.format));
  add(model);

  const serializer = new JsonSerializer(new CdxJson.Normalize.Factory(Spec1dot6));
  const json = JSON.parse(serializer.serialize(bom, { sortLists: true })) as TJson;

  // modelCard and hashes are added to the normalized JSON (no model class for them in the library).
  const comps = (json.components ?? []) as TJson[];
  const mj = comps.find((c) => c["bom-ref"] === "model");
  if (mj) {
    mj.modelCard = {
      modelParameters: {
        task: "text-generation",
        ...(r.quantize.format === "gguf" ? { modelArchitecture: `GGUF ${r.quantize.value}` } : {}),
      },
      properties: [
        { name: "aitk:engine", value: r.engine.name },
        { name: "aitk:target", value: r.target.name },
      ],
    };
    const hashes = Object.keys(input.modelHashes ?? {}).sort();
    if (hashes.length === 1)
      mj.hashes = [
        { alg: "SHA-256", content: (input.modelHashes as Record<string, string>)[hashes[0] as string] },
      ];
    for (const h of hashes) {
      (mj.properties as TJson[] | undefined)?.push({
        name: `aitk:sha256:${h}`,
        value: (input.modelHashes as Record<string, string>)[h],
      });
    }
  }

  const vulns = input.vulnerabilities ?? [];
  if (vulns.length) {
    const refFor = (v: TVulnFinding) =>
      v.bomRef ?? (v.ecosystem === "PyPI" ? `pypi:${v.package.toLowerCase()}` : `deb:${v.package}`);
    json.vulnerabilities = vulns.map((v) => ({
      id: v.id,
      source: { name: "OSV", ...(v.url ? { url: v.url } : {}) },
      ...(v.aliases.length
        ? {
            references: v.aliases.map((a) => ({
              id: a,
              source: { name: a.startsWith("CVE-") ? "NVD" : "OSV" },
            })),
          }
        : {}),
      ratings: [{ severity: v.severity === "medium" ? "medium" : v.severity, method: "other" }],
      ...(v.summary ? { description: v.summary } : {}),
      ...(v.fixedIn ? { recommendation: `upgrade ${v.package} to ${v.fixedIn} or later` } : {}),
      affects: [{ ref: refFor(v), versions: [{ version: v.version, status: "affected" }] }],
    }));
  }
  return json;
}
