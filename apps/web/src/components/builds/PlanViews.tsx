"use client";

import { Badge } from "@/components/forms";
import { THead } from "@/components/ui/table";

type TWhy = { why?: string };
type TResolution = {
  target?: { name: string; label: string };
  engine?: { name: string; version: string | null } & TWhy;
  quantize?: { value: string; format: string } & TWhy;
  model?: { ref: string; license?: string };
  accelerator?: { kind: string; version: string | null; cudnn: string | null } & TWhy;
  torch?: ({ version: string; variant: string } & TWhy) | null;
  python?: ({ version: string } & TWhy) | null;
  images?: { build: string | null; runtime: string; verified: boolean } & TWhy;
  driver?: ({ minimum: string; recommended: string } & TWhy) | null;
  requirements?: { name: string; version: string; why: string }[];
  decisions?: { topic: string; choice: string; why: string }[];
  warnings?: string[];
};

/** The resolved stack, each choice with the reason the resolver gives for it. */
export function ResolutionView({ resolution }: { resolution: unknown }) {
  const r = (resolution ?? {}) as TResolution;
  const rows: [string, string | null | undefined, string | undefined][] = [
    ["Target", r.target ? `${r.target.label} (${r.target.name})` : null, undefined],
    [
      "Model",
      r.model ? `${r.model.ref}${r.model.license ? ` · licence ${r.model.license}` : ""}` : null,
      undefined,
    ],
    [
      "Engine",
      r.engine ? `${r.engine.name}${r.engine.version ? ` ${r.engine.version}` : ""}` : null,
      r.engine?.why,
    ],
    ["Quantization", r.quantize ? `${r.quantize.value} (${r.quantize.format})` : null, r.quantize?.why],
    [
      "Accelerator",
      r.accelerator
        ? `${r.accelerator.kind}${r.accelerator.version ? ` ${r.accelerator.version}` : ""}${r.accelerator.cudnn ? ` · cuDNN ${r.accelerator.cudnn}` : ""}`
        : null,
      r.accelerator?.why,
    ],
    ["PyTorch", r.torch ? `${r.torch.version} (${r.torch.variant})` : "—", r.torch?.why],
    ["Python", r.python?.version ?? "—", r.python?.why],
    [
      "Base images",
      r.images
        ? `${r.images.build ? `${r.images.build} → ` : ""}${r.images.runtime}${r.images.verified ? "" : " (unverified tag)"}`
        : null,
      r.images?.why,
    ],
    ["Driver", r.driver ? `≥ ${r.driver.minimum} (recommended ${r.driver.recommended})` : "—", r.driver?.why],
  ];
  return (
    <div data-testid="resolution">
      <table>
        <tbody>
          {rows
            .filter(([, v]) => v)
            .map(([k, v, why]) => (
              <tr key={k}>
                <td className="muted small" style={{ width: 120 }}>
                  {k}
                </td>
                <td>
                  <div className="mono">{v}</div>
                  {why && <div className="muted small">why: {why}</div>}
                </td>
              </tr>
            ))}
        </tbody>
      </table>
      {(r.decisions?.length ?? 0) > 0 && (
        <details style={{ marginTop: 8 }}>
          <summary className="small">All {r.decisions?.length} decisions</summary>
          <ul className="small">
            {r.decisions?.map((d, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: decisions may repeat a topic
              <li key={i}>
                <strong>{d.topic}</strong>: <span className="mono">{d.choice}</span> — {d.why}
              </li>
            ))}
          </ul>
        </details>
      )}
      {r.warnings?.map((w) => (
        <div key={w} className="alert info small">
          {w}
        </div>
      ))}
    </div>
  );
}

type TComponent = { type?: string; name?: string; version?: string; purl?: string; licenses?: unknown[] };

function licenceOf(c: TComponent): string {
  const l = (c.licenses ?? [])[0] as
    | { license?: { id?: string; name?: string }; expression?: string }
    | undefined;
  return l?.license?.id ?? l?.license?.name ?? l?.expression ?? "";
}

/** CycloneDX components as a table, and the whole document as a download. */
export function SbomView({ sbom, fileName }: { sbom: unknown; fileName: string }) {
  const doc = (sbom ?? {}) as { components?: TComponent[]; specVersion?: string };
  const components = doc.components ?? [];
  const download = () => {
    const blob = new Blob([JSON.stringify(sbom, null, 2)], { type: "application/vnd.cyclonedx+json" });
    const a = document.createElement("a");
    a.href = URL.createObjectURL(blob);
    a.download = fileName;
    a.click();
    URL.revokeObjectURL(a.href);
  };
  return (
    <div data-testid="sbom">
      <div className="row" style={{ marginBottom: 6 }}>
        <span className="muted small">
          CycloneDX {doc.specVersion ?? "?"} · {components.length} components
        </span>
        <span className="spacer" />
        <button type="button" onClick={download} disabled={!sbom}>
          Download SBOM
        </button>
      </div>
      <div style={{ maxHeight: 320, overflowY: "auto" }}>
        <table>
          <THead columns={["Type", "Name", "Version", "Licence"]} />
          <tbody>
            {components.map((c, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: components may share a name
              <tr key={i}>
                <td className="small">{c.type}</td>
                <td className="mono">{c.name}</td>
                <td className="mono">{c.version}</td>
                <td className="small">{licenceOf(c)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}

type TScan = {
  inventory?: string;
  advisories?: { source: string; count: number };
  vulnerabilities?: {
    id: string;
    package: string;
    version: string;
    fixedIn: string | null;
    severity: string;
    summary: string;
    url: string | null;
  }[];
  licences?: { component: string; kind: string; licence: string | null; status: string; message: string }[];
};

const SEVERITY_KIND: Record<string, string> = { critical: "bad", high: "bad", medium: "warn", low: "warn" };

export function ScanView({ scan }: { scan: unknown }) {
  const s = (scan ?? {}) as TScan;
  const vulns = s.vulnerabilities ?? [];
  return (
    <div data-testid="scan">
      <p className="muted small">
        {vulns.length} known vulnerabilities in the{" "}
        {s.inventory === "image" ? "built image" : "pinned requirements"} ({s.advisories?.count ?? 0}{" "}
        advisories from {s.advisories?.source ?? "?"})
      </p>
      {vulns.length > 0 && (
        <table>
          <THead columns={["Advisory", "Severity", "Package", "Fixed in", "Summary"]} />
          <tbody>
            {vulns.map((v) => (
              <tr key={`${v.id}-${v.package}-${v.version}`}>
                <td className="mono">{v.url ? <a href={v.url}>{v.id}</a> : v.id}</td>
                <td>
                  <Badge value={v.severity} kind={SEVERITY_KIND[v.severity] ?? "unknown"} />
                </td>
                <td className="mono">
                  {v.package} {v.version}
                </td>
                <td className="mono">{v.fixedIn ?? "–"}</td>
                <td className="small">{v.summary}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {(s.licences ?? []).map((l) => (
        <div
          key={`${l.kind}-${l.component}`}
          className={`alert small ${l.status === "ok" ? "ok" : l.status === "review" ? "info" : "error"}`}
        >
          Licence of {l.kind} {l.component}: {l.licence ?? "unknown"} — {l.message}
        </div>
      ))}
    </div>
  );
}
