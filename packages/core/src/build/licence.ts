// Licence policy: SPDX ids pass, licences outside SPDX (model community licences) are flagged for review.
import { isSupportedSpdxId } from "@cyclonedx/cyclonedx-library/SPDX";

export interface TLicenceInfo {
  /** SPDX id, SPDX expression, or LicenseRef-… */
  id: string;
  name: string;
  url?: string;
  /** Where aitk learnt it: the MODEL line, or its table of well-known model families. */
  source: "declared" | "known-model" | "package-metadata";
}

// Well-known model families whose licence is fixed by the publisher.
const MODEL_LICENCES: { match: RegExp; id: string; name: string; url?: string }[] = [
  {
    match: /^meta-llama\/(llama-3\.2|Llama-3\.2)/i,
    id: "LicenseRef-llama3.2-community",
    name: "Llama 3.2 Community License Agreement",
    url: "https://www.llama.com/llama3_2/license/",
  },
  {
    match: /^meta-llama\/(llama-3\.3|Llama-3\.3)/i,
    id: "LicenseRef-llama3.3-community",
    name: "Llama 3.3 Community License Agreement",
    url: "https://www.llama.com/llama3_3/license/",
  },
  {
    match: /^meta-llama\/(llama-3\.1|Llama-3\.1|Meta-Llama-3\.1)/i,
    id: "LicenseRef-llama3.1-community",
    name: "Llama 3.1 Community License Agreement",
    url: "https://www.llama.com/llama3_1/license/",
  },
  {
    match: /^meta-llama\/Meta-Llama-3-/i,
    id: "LicenseRef-llama3-community",
    name: "Meta Llama 3 Community License Agreement",
    url: "https://www.llama.com/llama3/license/",
  },
  {
    match: /^google\/gemma/i,
    id: "LicenseRef-gemma",
    name: "Gemma Terms of Use",
    url: "https://ai.google.dev/gemma/terms",
  },
  { match: /^mistralai\/Mistral-7B/i, id: "Apache-2.0", name: "Apache License 2.0" },
  { match: /^microsoft\/Phi-3/i, id: "MIT", name: "MIT License" },
  { match: /^TinyLlama\//i, id: "Apache-2.0", name: "Apache License 2.0" },
];

export function modelLicence(ref: string, declared?: string): TLicenceInfo | null {
  if (declared) return { id: declared, name: declared, source: "declared" };
  const hit = MODEL_LICENCES.find((m) => m.match.test(ref));
  return hit
    ? { id: hit.id, name: hit.name, ...(hit.url ? { url: hit.url } : {}), source: "known-model" }
    : null;
}

/** True when every id in a simple SPDX expression (AND/OR/WITH, parentheses) is on the SPDX list. */
export function isSpdxExpression(expr: string): boolean {
  const tokens = expr.replace(/[()]/g, " ").split(/\s+/).filter(Boolean);
  if (!tokens.length) return false;
  let expectId = true;
  for (const t of tokens) {
    if (expectId) {
      if (!isSupportedSpdxId(t.replace(/\+$/, ""))) return false;
      expectId = false;
    } else {
      if (!["AND", "OR", "WITH"].includes(t)) return false;
      expectId = true;
    }
  }
  return !expectId;
}

export type TLicenceStatus = "ok" | "review" | "unknown";

export interface TLicenceFinding {
  component: string;
  kind: "model" | "python" | "os" | "engine";
  licence: string | null;
  status: TLicenceStatus;
  message: string;
}

export function licenceFinding(
  component: string,
  kind: TLicenceFinding["kind"],
  licence: TLicenceInfo | null,
): TLicenceFinding {
  if (!licence) {
    return {
      component,
      kind,
      licence: null,
      status: "unknown",
      message:
        kind === "model"
          ? "no licence known for this model: add MODEL … license=<SPDX id or LicenseRef-…>"
          : "licence not recorded",
    };
  }
  if (isSpdxExpression(licence.id))
    return { component, kind, licence: licence.id, status: "ok", message: `SPDX licence ${licence.id}` };
  return {
    component,
    kind,
    licence: licence.id,
    status: "review",
    message: `${licence.name} is not an SPDX/OSI licence${licence.url ? ` (${licence.url})` : ""}: its use restrictions need legal review before distribution`,
  };
}
