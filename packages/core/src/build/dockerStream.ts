// Reads the JSON-lines stream of the Docker Engine's /build endpoint (classic builder): steps, log
// lines, the built image id and the error with the step that failed. Pure, so it is unit-tested here
// and shared by every caller that builds through the Engine API.

export type TBuildEvent =
  | { type: "step"; index: number; total: number; instruction: string }
  | { type: "log"; text: string }
  | { type: "image"; id: string }
  | { type: "error"; message: string; step: string | null };

export interface TBuildStreamState {
  step: { index: number; total: number; instruction: string } | null;
  imageId: string | null;
  error: { message: string; step: string | null } | null;
}

const STEP_RE = /^Step (\d+)\/(\d+) : (.*)$/;

export class BuildStreamParser {
  readonly state: TBuildStreamState = { step: null, imageId: null, error: null };
  private buffer = "";
  private textBuf = "";

  /** Feed raw bytes/text from the HTTP response; returns the events they complete. */
  push(chunk: string): TBuildEvent[] {
    this.buffer += chunk;
    const out: TBuildEvent[] = [];
    let nl = this.buffer.indexOf("\n");
    while (nl >= 0) {
      const line = this.buffer.slice(0, nl).trim();
      this.buffer = this.buffer.slice(nl + 1);
      if (line) out.push(...this.message(line));
      nl = this.buffer.indexOf("\n");
    }
    return out;
  }

  /** Flush what is left at the end of the stream. */
  end(): TBuildEvent[] {
    const out: TBuildEvent[] = [];
    const rest = this.buffer.trim();
    this.buffer = "";
    if (rest) out.push(...this.message(rest));
    if (this.textBuf.trim()) out.push(...this.text(`${this.textBuf}\n`));
    this.textBuf = "";
    return out;
  }

  private message(line: string): TBuildEvent[] {
    let m: Record<string, unknown>;
    try {
      m = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return [{ type: "log", text: line }];
    }
    if (typeof m.error === "string" || (m.errorDetail && typeof m.errorDetail === "object")) {
      const detail = m.errorDetail as { message?: string } | undefined;
      const message = String(detail?.message ?? m.error ?? "build failed").trim();
      const step = this.state.step
        ? `Step ${this.state.step.index}/${this.state.step.total} : ${this.state.step.instruction}`
        : null;
      this.state.error = { message, step };
      return [{ type: "error", message, step }];
    }
    const aux = m.aux as { ID?: string } | undefined;
    if (aux && typeof aux.ID === "string") {
      this.state.imageId = aux.ID;
      return [{ type: "image", id: aux.ID }];
    }
    if (typeof m.stream === "string") return this.text(m.stream);
    if (typeof m.status === "string") {
      const text = [m.id, m.status, m.progress].filter((x) => typeof x === "string" && x).join(" ");
      return text ? [{ type: "log", text }] : [];
    }
    return [];
  }

  // `stream` values are fragments: a step header and its "\n" often arrive as separate messages.
  private text(fragment: string): TBuildEvent[] {
    this.textBuf += fragment;
    const out: TBuildEvent[] = [];
    let nl = this.textBuf.indexOf("\n");
    while (nl >= 0) {
      const line = this.textBuf.slice(0, nl).replace(/\r$/, "");
      this.textBuf = this.textBuf.slice(nl + 1);
      nl = this.textBuf.indexOf("\n");
      if (!line.trim()) continue;
      const s = STEP_RE.exec(line);
      if (s) {
        const step = { index: Number(s[1]), total: Number(s[2]), instruction: s[3] as string };
        this.state.step = step;
        out.push({ type: "step", ...step });
        continue;
      }
      const built = /^Successfully built ([0-9a-f]{12,64})$/.exec(line.trim());
      if (built && !this.state.imageId) this.state.imageId = built[1] as string;
      out.push({ type: "log", text: line });
    }
    return out;
  }
}
