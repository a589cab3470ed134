import type { TAiDirectiveName, TEngineName, TObservability, TQuantize, TTargetName } from "./vocabulary";

export interface TPos {
  line: number;
  column: number;
}

export interface TDiagnostic extends TPos {
  severity: "error" | "warning";
  /** Stable machine code, e.g. `unknown-directive`. */
  code: string;
  message: string;
  /** The "did you mean" candidate, when there is one. */
  suggestion?: string;
}

export interface TOption extends TPos {
  key: string;
  value: string;
}

export interface TDirectiveNode extends TPos {
  kind: "directive";
  name: TAiDirectiveName;
  /** Positional values (one for most directives, a list for OBSERVABILITY). */
  values: string[];
  valuePos: TPos;
  options: TOption[];
  /** Trailing `# comment` text, as the seed writes `QUANTIZE q4_k_m # 4-bit`. */
  comment?: string;
}

export interface TInstructionNode extends TPos {
  kind: "instruction";
  keyword: string;
  /** Argument text of each physical line, trimmed, continuation backslashes removed. */
  args: string[];
}

export interface TCommentNode extends TPos {
  kind: "comment";
  text: string;
}

export type TNode = TDirectiveNode | TInstructionNode | TCommentNode;

export interface TModelRef {
  /** `huggingface` for org/name ids, `local` for a path inside the build context. */
  source: "huggingface" | "local";
  ref: string;
  /** Last path segment, used for directory and served model names. */
  name: string;
  org?: string;
  revision?: string;
  license?: string;
  file?: string;
  servedName?: string;
}

export interface TDockerfileAi {
  nodes: TNode[];
  from?: { image: string; platform?: string; auto: boolean };
  model?: TModelRef;
  quantize?: TQuantize;
  engine?: { name: TEngineName; version?: string };
  observability: TObservability[];
  observabilityOptions: { endpoint?: string; service?: string };
  target?: { name: TTargetName; driver?: string; count?: number };
  autoReq: boolean;
  /** Ordinary Dockerfile instructions, in file order. */
  instructions: TInstructionNode[];
  /** Where each directive was written, for resolver errors. */
  positions: Partial<Record<TAiDirectiveName, TPos>>;
}

export interface TParseResult {
  doc: TDockerfileAi;
  diagnostics: TDiagnostic[];
  ok: boolean;
}
