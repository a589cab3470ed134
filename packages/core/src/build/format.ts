import type { TDirectiveNode, TDockerfileAi, TNode } from "./ast";
import { parseDockerfileAi } from "./parse";

const LOWERCASE_VALUES = new Set(["QUANTIZE", "OBSERVABILITY", "TARGET", "AUTO_REQ"]);

function directive(n: TDirectiveNode): string {
  let values = n.values;
  if (LOWERCASE_VALUES.has(n.name)) values = values.map((v) => v.toLowerCase());
  if (n.name === "ENGINE") {
    values = values.map((v) => {
      const m = /^([^@=]+)(?:@|==)(.*)$/.exec(v);
      return m ? `${(m[1] as string).toLowerCase()}@${m[2]}` : v.toLowerCase();
    });
  }
  const parts = [
    n.name,
    ...(n.name === "FROM" ? n.options.map((o) => `--${o.key}=${o.value}`) : []),
    ...values,
  ];
  if (n.name !== "FROM") parts.push(...n.options.map((o) => `${o.key}=${o.value}`));
  const text = parts.join(" ");
  return n.comment ? `${text}  # ${n.comment}` : text;
}

function node(n: TNode): string {
  switch (n.kind) {
    case "comment":
      return n.text ? `# ${n.text}` : "#";
    case "directive":
      return directive(n);
    case "instruction": {
      const [head, ...tail] = n.args;
      if (!tail.length) return `${n.keyword} ${head ?? ""}`.trimEnd();
      return [`${n.keyword} ${head ?? ""}`.trimEnd(), ...tail.map((a) => `    ${a}`)].join(" \\\n");
    }
  }
}

/**
 * Canonical text of a parsed Dockerfile.ai: upper-case keywords, one space between words, known values in
 * lower case, `  # ` before trailing comments, four-space continuation indent, one blank line before a
 * comment block and between the AI directives and the Dockerfile body.
 */
export function formatDoc(doc: TDockerfileAi): string {
  const out: string[] = [];
  let prev: TNode | undefined;
  for (const n of doc.nodes) {
    if (prev) {
      const newBlock =
        (n.kind === "comment" && prev.kind !== "comment") ||
        (n.kind === "instruction" && prev.kind === "directive");
      if (newBlock) out.push("");
    }
    out.push(node(n));
    prev = n;
  }
  return `${out.join("\n")}\n`;
}

/** Format source text. Only well-formed input is formatted: errors are returned instead. */
export function formatDockerfileAi(
  text: string,
):
  | { ok: true; text: string }
  | { ok: false; diagnostics: ReturnType<typeof parseDockerfileAi>["diagnostics"] } {
  const r = parseDockerfileAi(text);
  if (!r.ok) return { ok: false, diagnostics: r.diagnostics.filter((d) => d.severity === "error") };
  return { ok: true, text: formatDoc(r.doc) };
}

/** The meaning of a document without positions, for comparing parse(format(x)) with parse(x). */
export function semanticOf(doc: TDockerfileAi): unknown {
  return {
    from: doc.from,
    model: doc.model,
    quantize: doc.quantize,
    engine: doc.engine,
    observability: doc.observability,
    observabilityOptions: doc.observabilityOptions,
    target: doc.target,
    autoReq: doc.autoReq,
    instructions: doc.instructions.map((i) => ({ keyword: i.keyword, args: i.args })),
    comments: doc.nodes.filter((n) => n.kind === "comment").map((n) => (n.kind === "comment" ? n.text : "")),
    directiveComments: doc.nodes
      .map((n) => (n.kind === "directive" ? (n.comment ?? "") : null))
      .filter((x) => x !== null),
  };
}
