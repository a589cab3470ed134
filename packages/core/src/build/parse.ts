import { DomainError } from "../errors";
import type {
  TCommentNode,
  TDiagnostic,
  TDirectiveNode,
  TDockerfileAi,
  TInstructionNode,
  TModelRef,
  TNode,
  TOption,
  TParseResult,
  TPos,
} from "./ast";
import { isPep440 } from "./pep440";
import { didYouMean } from "./suggest";
import {
  AI_DIRECTIVES,
  DIRECTIVE_OPTIONS,
  DOCKER_INSTRUCTIONS,
  ENGINE_NAMES,
  OBSERVABILITY_VALUES,
  QUANTIZE_VALUES,
  type TAiDirectiveName,
  type TEngineName,
  type TObservability,
  type TQuantize,
  TARGET_NAMES,
  type TTargetName,
} from "./vocabulary";

interface TSegment {
  text: string;
  line: number;
  /** 1-based column of text[0]. */
  column: number;
}

interface TToken extends TPos {
  text: string;
}

interface TLogical {
  segments: TSegment[];
  /** Set when the file ended inside a continuation. */
  danglingAt?: TPos;
}

const AUTO_BASE = /^ai-base(?::[A-Za-z0-9_.-]+)?$/;
// docker reference grammar, simplified: [host[:port]/]path[:tag][@digest]
const IMAGE_REF =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$/;
const HF_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,95}\/[A-Za-z0-9][A-Za-z0-9._-]{0,95}$/;
const LOCAL_PATH = /^(?:\.{1,2}\/|\/|file:)[^\s]*$/;

const ALL_KEYWORDS: readonly string[] = [...AI_DIRECTIVES, ...DOCKER_INSTRUCTIONS];

class Parser {
  readonly diagnostics: TDiagnostic[] = [];

  error(pos: TPos, code: string, message: string, suggestion?: string): void {
    this.diagnostics.push({
      severity: "error",
      code,
      message,
      line: pos.line,
      column: pos.column,
      suggestion,
    });
  }

  warn(pos: TPos, code: string, message: string): void {
    this.diagnostics.push({ severity: "warning", code, message, line: pos.line, column: pos.column });
  }

  /** Split into comments and logical lines (backslash continuation, comment lines inside dropped as Docker does). */
  split(text: string): (TLogical | TCommentNode)[] {
    const lines = text.replace(/\r\n?/g, "\n").split("\n");
    const out: (TLogical | TCommentNode)[] = [];
    let current: TLogical | null = null;
    lines.forEach((raw, idx) => {
      const line = idx + 1;
      const trimmedStart = raw.replace(/^[ \t]+/, "");
      const indent = raw.length - trimmedStart.length;
      if (trimmedStart === "" && !current) return;
      if (trimmedStart.startsWith("#")) {
        if (!current)
          out.push({ kind: "comment", line, column: indent + 1, text: trimmedStart.slice(1).trim() });
        return; // a comment line inside a continuation is skipped, like docker does
      }
      if (trimmedStart === "" && current) return; // empty continuation lines are allowed (with a warning upstream in docker)
      const body = raw.replace(/[ \t]+$/, "");
      const continues = body.endsWith("\\");
      const content = continues ? body.slice(0, -1) : body;
      const seg: TSegment = { text: content.slice(indent), line, column: indent + 1 };
      if (!current) current = { segments: [] };
      current.segments.push(seg);
      if (!continues) {
        out.push(current);
        current = null;
      }
    });
    if (current !== null) {
      const c = current as TLogical;
      const last = c.segments[c.segments.length - 1] as TSegment;
      c.danglingAt = { line: last.line, column: last.column + last.text.length };
      out.push(c);
    }
    return out;
  }

  parse(text: string): TParseResult {
    const nodes: TNode[] = [];
    // Parser directives sit in the first comment lines; only the default escape character is supported.
    const lines = text.replace(/\r\n?/g, "\n").split("\n");
    for (let i = 0; i < lines.length; i++) {
      const m = /^(\s*#\s*)escape\s*=\s*(\S*)\s*$/i.exec(lines[i] as string);
      if (!m) {
        if (!/^\s*#\s*[a-z]+\s*=/i.test(lines[i] as string)) break;
        continue;
      }
      if (m[2] !== "\\") {
        this.error(
          { line: i + 1, column: (m[1] as string).length + 1 },
          "escape-directive",
          "aitk only supports the default escape character \\ (drop the escape directive)",
        );
      }
    }
    for (const item of this.split(text)) {
      if ("kind" in item) {
        nodes.push(item);
        continue;
      }
      const node = this.logical(item);
      if (node) nodes.push(node);
    }
    const doc = this.build(nodes);
    this.diagnostics.sort((a, b) => a.line - b.line || a.column - b.column);
    return { doc, diagnostics: this.diagnostics, ok: !this.diagnostics.some((d) => d.severity === "error") };
  }

  logical(l: TLogical): TNode | null {
    const first = l.segments[0] as TSegment;
    const kwMatch = /^(\S+)/.exec(first.text);
    const keywordRaw = kwMatch?.[1] ?? "";
    const pos: TPos = { line: first.line, column: first.column };
    if (l.danglingAt) {
      this.error(
        l.danglingAt,
        "dangling-continuation",
        "the file ends inside a line continuation (trailing \\)",
      );
    }
    const keyword = keywordRaw.toUpperCase();
    const rest: TSegment[] = [
      {
        text: first.text.slice(keywordRaw.length),
        line: first.line,
        column: first.column + keywordRaw.length,
      },
      ...l.segments.slice(1),
    ];
    if ((AI_DIRECTIVES as readonly string[]).includes(keyword)) {
      return this.directive(keyword as TAiDirectiveName, pos, rest);
    }
    if ((DOCKER_INSTRUCTIONS as readonly string[]).includes(keyword)) {
      return this.instruction(keyword, pos, rest);
    }
    if (!/^[A-Za-z_]+$/.test(keywordRaw)) {
      this.error(pos, "syntax", `expected an instruction name, found "${truncate(keywordRaw)}"`);
      return null;
    }
    const s = didYouMean(keyword, ALL_KEYWORDS);
    this.error(
      pos,
      "unknown-instruction",
      `unknown instruction "${truncate(keywordRaw)}"${s ? ` (did you mean ${s}?)` : ""}`,
      s,
    );
    return null;
  }

  instruction(keyword: string, pos: TPos, rest: TSegment[]): TInstructionNode {
    const args = rest.map((s) => s.text.trim()).filter((s, i) => s !== "" || i > 0);
    while (args.length && args[args.length - 1] === "") args.pop();
    const nonEmpty = args.filter(Boolean);
    if (!nonEmpty.length) {
      this.error(pos, "missing-argument", `${keyword} needs an argument`);
    } else if (["CMD", "ENTRYPOINT", "SHELL", "RUN"].includes(keyword)) {
      const joined = nonEmpty.join(" ");
      if (joined.startsWith("[")) {
        const seg = rest.find((s) => s.text.trim() !== "") as TSegment;
        const col = seg.column + (seg.text.length - seg.text.trimStart().length);
        try {
          const v: unknown = JSON.parse(joined);
          if (!Array.isArray(v) || !v.every((x) => typeof x === "string")) {
            this.error(
              { line: seg.line, column: col },
              "exec-form",
              `${keyword} exec form must be a JSON array of strings`,
            );
          }
        } catch {
          if (keyword === "SHELL") {
            this.error({ line: seg.line, column: col }, "exec-form", "SHELL needs a JSON array of strings");
          } else {
            this.warn(
              { line: seg.line, column: col },
              "exec-form",
              `${keyword} starts with "[" but is not valid JSON; docker will run it with a shell`,
            );
          }
        }
      } else if (keyword === "SHELL") {
        this.error(pos, "exec-form", "SHELL needs a JSON array of strings");
      }
    }
    if (
      (keyword === "RUN" || keyword === "COPY") &&
      /<<-?\s*["']?[A-Za-z_][A-Za-z0-9_]*/.test(args.join(" "))
    ) {
      this.error(
        pos,
        "heredoc",
        `${keyword} heredocs need BuildKit, and aitk emits classic-builder Dockerfiles: use a \\ continuation with &&`,
      );
    }
    if (keyword === "MAINTAINER")
      this.warn(pos, "deprecated", "MAINTAINER is deprecated; use LABEL org.opencontainers.image.authors=…");
    return { kind: "instruction", keyword, line: pos.line, column: pos.column, args: args.filter(Boolean) };
  }

  tokens(rest: TSegment[]): { tokens: TToken[]; comment?: string } {
    const tokens: TToken[] = [];
    const comments: string[] = [];
    for (const seg of rest) {
      const re = /\S+/g;
      let m: RegExpExecArray | null = re.exec(seg.text);
      while (m) {
        if (m[0].startsWith("#")) {
          comments.push(seg.text.slice(m.index + 1).trim());
          break;
        }
        tokens.push({ text: m[0], line: seg.line, column: seg.column + m.index });
        m = re.exec(seg.text);
      }
    }
    const comment = comments.filter(Boolean).join(" ");
    return comment ? { tokens, comment } : { tokens };
  }

  directive(name: TAiDirectiveName, pos: TPos, rest: TSegment[]): TDirectiveNode | null {
    const { tokens, comment } = this.tokens(rest);
    const values: TToken[] = [];
    const options: TOption[] = [];
    const allowed = DIRECTIVE_OPTIONS[name];
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i] as TToken;
      if (name === "FROM" && /^as$/i.test(t.text) && values.length === 1) {
        this.error(t, "from-stage", 'drop "AS <name>": aitk generates the build stages itself');
        i++;
        continue;
      }
      const flag = name === "FROM" && t.text.startsWith("--");
      const eq = t.text.indexOf("=");
      if (flag || (eq > 0 && values.length > 0)) {
        const key = (flag ? t.text.slice(2, eq > 0 ? eq : undefined) : t.text.slice(0, eq)).toLowerCase();
        const value = eq > 0 ? t.text.slice(eq + 1) : "";
        if (!allowed.includes(key)) {
          const s = didYouMean(key, allowed);
          this.error(
            t,
            "unknown-option",
            allowed.length
              ? `${name} has no option "${key}"${s ? ` (did you mean ${s}?)` : ""}; options: ${allowed.join(", ")}`
              : `${name} takes no options`,
            s,
          );
        } else if (!value) {
          this.error(
            { line: t.line, column: t.column + eq + 1 },
            "missing-argument",
            `option ${key} needs a value`,
          );
        } else if (options.some((o) => o.key === key)) {
          this.error(t, "duplicate-option", `option ${key} given twice`);
        } else {
          options.push({ key, value, line: t.line, column: t.column });
        }
        continue;
      }
      values.push(t);
    }
    if (!values.length) {
      this.error(
        { line: pos.line, column: pos.column + name.length },
        "missing-argument",
        `${name} needs a value${example(name)}`,
      );
      return null;
    }
    const multi = name === "OBSERVABILITY";
    if (!multi && values.length > 1) {
      const extra = values[1] as TToken;
      this.error(
        extra,
        "unexpected-argument",
        `${name} takes one value; unexpected "${truncate(extra.text)}"${name === "ENGINE" ? " (pin a version as ENGINE name@version)" : ""}`,
      );
    }
    const list = multi
      ? values.flatMap((v) => {
          const parts: TToken[] = [];
          let off = 0;
          for (const p of v.text.split(",")) {
            if (p) parts.push({ text: p, line: v.line, column: v.column + off });
            off += p.length + 1;
          }
          return parts;
        })
      : values.slice(0, 1);
    const node: TDirectiveNode = {
      kind: "directive",
      name,
      line: pos.line,
      column: pos.column,
      values: list.map((v) => v.text),
      valuePos: {
        line: (list[0] ?? (values[0] as TToken)).line,
        column: (list[0] ?? (values[0] as TToken)).column,
      },
      options,
    };
    if (comment) node.comment = comment;
    for (const v of list) this.checkValue(name, v);
    for (const o of options) this.checkOption(name, o);
    return node;
  }

  checkValue(name: TAiDirectiveName, t: TToken): void {
    const v = t.text;
    const oneOf = (choices: readonly string[], what: string, normalize = (s: string) => s.toLowerCase()) => {
      if (choices.includes(normalize(v))) return;
      const s = didYouMean(v, choices);
      this.error(
        t,
        `unknown-${what}`,
        `unknown ${what} "${truncate(v)}"${s ? ` (did you mean ${s}?)` : ""}; known: ${choices.join(", ")}`,
        s,
      );
    };
    switch (name) {
      case "FROM":
        if (!AUTO_BASE.test(v) && v !== "scratch" && !IMAGE_REF.test(v)) {
          this.error(
            t,
            "bad-image",
            `"${truncate(v)}" is not a valid image reference (e.g. ai-base:2026 or nvidia/cuda:12.4.1-base-ubuntu22.04)`,
          );
        }
        return;
      case "MODEL": {
        const [id, rev] = splitOnce(v, "@");
        if (LOCAL_PATH.test(v)) return;
        if (!HF_ID.test(id) || (rev !== undefined && !/^[A-Za-z0-9._/-]{1,100}$/.test(rev))) {
          this.error(
            t,
            "bad-model",
            `"${truncate(v)}" is not a model id: use org/name[@revision] (e.g. meta-llama/Llama-3.2-1B-instruct) or a ./path in the build context`,
          );
        }
        return;
      }
      case "QUANTIZE":
        oneOf(QUANTIZE_VALUES, "quantization");
        return;
      case "ENGINE": {
        const [engine, version] = splitEngine(v);
        if (!(ENGINE_NAMES as readonly string[]).includes(engine.toLowerCase())) {
          const s = didYouMean(engine, ENGINE_NAMES);
          this.error(
            t,
            "unknown-engine",
            `unknown engine "${truncate(engine)}"${s ? ` (did you mean ${s}?)` : ""}; known: ${ENGINE_NAMES.join(", ")}`,
            s,
          );
        } else if (version !== undefined && !isPep440(version) && !/^b\d+$/.test(version)) {
          this.error(
            { line: t.line, column: t.column + engine.length + 1 },
            "bad-version",
            `"${truncate(version)}" is not a version (e.g. ${engine}@0.6.3)`,
          );
        }
        return;
      }
      case "OBSERVABILITY":
        oneOf(OBSERVABILITY_VALUES, "observability backend");
        return;
      case "TARGET":
        oneOf(TARGET_NAMES, "target");
        return;
      case "AUTO_REQ":
        oneOf(["true", "false"], "AUTO_REQ value");
        return;
    }
  }

  checkOption(name: TAiDirectiveName, o: TOption): void {
    const at = { line: o.line, column: o.column + o.key.length + 1 };
    if (name === "TARGET" && o.key === "driver" && !/^\d{3}(?:\.\d{1,3}){0,2}$/.test(o.value)) {
      this.error(
        at,
        "bad-driver",
        `driver must be an NVIDIA driver version like 550.54.15, not "${truncate(o.value)}"`,
      );
    }
    if (name === "TARGET" && o.key === "count" && !(/^\d{1,2}$/.test(o.value) && Number(o.value) >= 1)) {
      this.error(at, "bad-count", "count must be a whole number of devices from 1 to 99");
    }
    if (name === "MODEL" && o.key === "license" && !/^[A-Za-z0-9.+:-]{1,80}$/.test(o.value)) {
      this.error(at, "bad-license", "license must be an SPDX id (e.g. Apache-2.0) or LicenseRef-…");
    }
  }

  build(nodes: TNode[]): TDockerfileAi {
    const doc: TDockerfileAi = {
      nodes,
      observability: [],
      observabilityOptions: {},
      autoReq: true,
      instructions: [],
      positions: {},
    };
    let seenOther = false;
    for (const n of nodes) {
      if (n.kind === "comment") continue;
      if (n.kind === "instruction") {
        if (n.keyword !== "ARG") seenOther = true;
        doc.instructions.push(n);
        continue;
      }
      const prev = doc.positions[n.name];
      if (prev) {
        this.error(n, "duplicate-directive", `${n.name} is declared twice (first at line ${prev.line})`);
        continue;
      }
      doc.positions[n.name] = { line: n.line, column: n.column };
      if (n.name === "FROM" && seenOther)
        this.error(n, "from-order", "FROM must come before other instructions");
      if (n.name !== "FROM") seenOther = true;
      const v = n.values[0] as string;
      const opt = (k: string) => n.options.find((o) => o.key === k)?.value;
      switch (n.name) {
        case "FROM": {
          const platform = opt("platform");
          doc.from = { image: v, auto: AUTO_BASE.test(v), ...(platform ? { platform } : {}) };
          break;
        }
        case "MODEL":
          doc.model = modelRef(v, opt("revision"), opt("license"), opt("file"), opt("name"));
          break;
        case "QUANTIZE":
          doc.quantize = v.toLowerCase() as TQuantize;
          break;
        case "ENGINE": {
          const [name, version] = splitEngine(v);
          doc.engine = { name: name.toLowerCase() as TEngineName, ...(version ? { version } : {}) };
          break;
        }
        case "OBSERVABILITY": {
          const vals = [...new Set(n.values.map((x) => x.toLowerCase() as TObservability))];
          if (vals.includes("none") && vals.length > 1) {
            this.error(
              n.valuePos,
              "observability-none",
              "OBSERVABILITY none cannot be combined with other backends",
            );
          }
          doc.observability = vals.filter((x) => x !== "none");
          const endpoint = opt("endpoint");
          const service = opt("service");
          if (endpoint) doc.observabilityOptions.endpoint = endpoint;
          if (service) doc.observabilityOptions.service = service;
          break;
        }
        case "TARGET": {
          const driver = opt("driver");
          const count = opt("count");
          doc.target = {
            name: v.toLowerCase() as TTargetName,
            ...(driver ? { driver } : {}),
            ...(count && /^\d+$/.test(count) ? { count: Number(count) } : {}),
          };
          break;
        }
        case "AUTO_REQ":
          doc.autoReq = v.toLowerCase() !== "false";
          break;
      }
    }
    const origin = { line: 1, column: 1 };
    if (!doc.positions.FROM) this.error(origin, "missing-from", "missing FROM (e.g. FROM ai-base:2026)");
    if (!doc.positions.MODEL)
      // A plain Dockerfile is a valid Dockerfile.ai (the seed's generated example has no MODEL line);
      // the resolver, which needs a model, says so.
      this.warn(
        origin,
        "missing-model",
        "no MODEL: aitk needs one to resolve a build (e.g. MODEL meta-llama/Llama-3.2-1B-instruct)",
      );
    return doc;
  }
}

function splitOnce(s: string, sep: string): [string, string | undefined] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, undefined] : [s.slice(0, i), s.slice(i + sep.length)];
}

function splitEngine(v: string): [string, string | undefined] {
  const m = /^([^@=]+)(?:@|==)(.*)$/.exec(v);
  return m ? [m[1] as string, m[2] as string] : [v, undefined];
}

function modelRef(
  v: string,
  revision?: string,
  license?: string,
  file?: string,
  servedName?: string,
): TModelRef {
  const extra = {
    ...(license ? { license } : {}),
    ...(file ? { file } : {}),
    ...(servedName ? { servedName } : {}),
  };
  if (LOCAL_PATH.test(v)) {
    const path = v.replace(/^file:/, "");
    const name = path.replace(/\/+$/, "").split("/").pop() || "model";
    return { source: "local", ref: path, name, ...extra };
  }
  const [id, rev] = splitOnce(v, "@");
  const [org, name] = splitOnce(id, "/");
  const r = revision ?? rev;
  return { source: "huggingface", ref: id, org, name: name ?? id, ...(r ? { revision: r } : {}), ...extra };
}

function example(name: TAiDirectiveName): string {
  const ex: Record<TAiDirectiveName, string> = {
    FROM: "ai-base:2026",
    MODEL: "meta-llama/Llama-3.2-1B-instruct",
    QUANTIZE: "q4_k_m",
    ENGINE: "vllm",
    OBSERVABILITY: "otel",
    TARGET: "nvidia-h100",
    AUTO_REQ: "true",
  };
  return ` (e.g. ${name} ${ex[name]})`;
}

function truncate(s: string): string {
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

/** Parse a Dockerfile.ai, collecting every diagnostic. Never throws. */
export function parseDockerfileAi(text: string): TParseResult {
  return new Parser().parse(text);
}

/** Parse or throw DomainError VALIDATION carrying the first error's position and all diagnostics. */
export function parseDockerfileAiOrThrow(text: string, file = "Dockerfile.ai"): TDockerfileAi {
  const r = parseDockerfileAi(text);
  const errors = r.diagnostics.filter((d) => d.severity === "error");
  const first = errors[0];
  if (first) {
    throw new DomainError("VALIDATION", `${file}:${first.line}:${first.column}: ${first.message}`, {
      field: "dockerfileAi",
      position: { line: first.line, column: first.column },
      diagnostics: errors,
      ...(first.suggestion ? { choices: [first.suggestion] } : {}),
    });
  }
  return r.doc;
}

/** `file:line:col: message` lines (warnings marked `warning:`), as compilers print them. */
export function formatDiagnostics(diagnostics: TDiagnostic[], file = "Dockerfile.ai"): string {
  return diagnostics
    .map((d) => `${file}:${d.line}:${d.column}: ${d.severity === "warning" ? "warning: " : ""}${d.message}`)
    .join("\n");
}
