// Inventory readers for what a built image contains: dpkg's status file and Python METADATA files.

export interface TOsPackage {
  name: string;
  version: string;
  arch?: string;
  /** Source package (OSV Debian/Ubuntu advisories are keyed by source package). */
  source?: string;
}

export interface TPyPackage {
  name: string;
  version: string;
  license?: string;
}

/** Parse /var/lib/dpkg/status; keeps only installed packages. */
export function parseDpkgStatus(text: string): TOsPackage[] {
  const out: TOsPackage[] = [];
  for (const para of text.replace(/\r\n?/g, "\n").split(/\n\s*\n/)) {
    const fields: Record<string, string> = {};
    let last = "";
    for (const line of para.split("\n")) {
      if (/^\s/.test(line) && last) {
        fields[last] += `\n${line.trim()}`;
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m) {
        last = (m[1] as string).toLowerCase();
        fields[last] = m[2] as string;
      }
    }
    if (!fields.package || !fields.version) continue;
    if (fields.status && !/\binstalled$/.test(fields.status.trim())) continue;
    const src = fields.source?.split(" ")[0];
    out.push({
      name: fields.package,
      version: fields.version,
      ...(fields.architecture ? { arch: fields.architecture } : {}),
      ...(src ? { source: src } : {}),
    });
  }
  return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Parse a wheel's `.dist-info/METADATA` (RFC 822 headers). */
export function parsePythonMetadata(text: string): TPyPackage | null {
  const head = text.replace(/\r\n?/g, "\n").split("\n\n")[0] ?? "";
  const get = (k: string) => new RegExp(`^${k}:\\s*(.+)$`, "mi").exec(head)?.[1]?.trim();
  const name = get("Name");
  const version = get("Version");
  if (!name || !version) return null;
  const license = get("License-Expression") ?? get("License");
  return { name, version, ...(license && license.length < 100 && license !== "UNKNOWN" ? { license } : {}) };
}

/** Parse /etc/os-release into `Debian:12` / `Ubuntu:22.04` style OSV ecosystems. */
export function osvEcosystemFromOsRelease(text: string): string | null {
  const id = /^ID="?([^"\n]+)"?/m.exec(text)?.[1];
  const ver = /^VERSION_ID="?([^"\n]+)"?/m.exec(text)?.[1];
  if (!id || !ver) return null;
  if (id === "debian") return `Debian:${ver.split(".")[0]}`;
  if (id === "ubuntu") return `Ubuntu:${ver}`;
  return null;
}
