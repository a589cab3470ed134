import { cliEnv } from "../env";

// Progress of a long job. On a terminal: one redrawn bar on stderr, with log lines printed above it.
// Elsewhere (pipes, CI, --json) the bar becomes a plain "[ 40%] message" line whenever the message
// changes or the progress moves by 10 points, so logs stay greppable.

export interface TProgressSink {
  update(fraction: number, message?: string | null): void;
  /** Prints a line to stdout without garbling the bar. */
  log(line: string): void;
  done(): void;
}

const clamp = (f: number) => (Number.isFinite(f) ? Math.min(1, Math.max(0, f)) : 0);

/** Job progress (0–100, as the Job row stores it) → 0..1. */
export const toFraction = (percent: number) => clamp(percent / 100);

export function renderBar(fraction: number, width: number): string {
  const f = clamp(fraction);
  const filled = Math.round(f * width);
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}] ${String(Math.round(f * 100)).padStart(3)}%`;
}

class TtyProgress implements TProgressSink {
  #fraction = 0;
  #message = "";
  #drawn = false;
  constructor(
    private readonly label: string,
    private readonly err: NodeJS.WriteStream,
  ) {}
  #draw() {
    const cols = this.err.columns || 80;
    const bar = renderBar(this.#fraction, Math.max(10, Math.min(30, cols - 40)));
    let text = `${this.label} ${bar} ${this.#message}`;
    if (text.length > cols - 1) text = `${text.slice(0, cols - 2)}…`;
    this.err.write(`\r\x1b[K${text}`);
    this.#drawn = true;
  }
  #clear() {
    if (this.#drawn) this.err.write("\r\x1b[K");
    this.#drawn = false;
  }
  update(fraction: number, message?: string | null) {
    this.#fraction = clamp(fraction);
    if (message) this.#message = message;
    this.#draw();
  }
  log(line: string) {
    this.#clear();
    process.stdout.write(`${line}\n`);
    this.#draw();
  }
  done() {
    this.#clear();
  }
}

class PlainProgress implements TProgressSink {
  #lastPct = -100;
  #lastMessage: string | null = null;
  constructor(
    private readonly label: string,
    private readonly quiet: boolean,
  ) {}
  update(fraction: number, message?: string | null) {
    if (this.quiet) return;
    const pct = Math.round(clamp(fraction) * 100);
    const msg = message ?? this.#lastMessage;
    if (msg === this.#lastMessage && pct - this.#lastPct < 10 && pct !== 100) return;
    if (msg === this.#lastMessage && pct === this.#lastPct) return;
    this.#lastPct = pct;
    this.#lastMessage = msg;
    process.stderr.write(`${this.label} [${String(pct).padStart(3)}%]${msg ? ` ${msg}` : ""}\n`);
  }
  log(line: string) {
    process.stdout.write(`${line}\n`);
  }
  done() {}
}

/** A bar on a terminal, plain lines otherwise; `quiet` (--json) prints no progress at all. */
export function createProgress(label: string, opts: { quiet?: boolean; tty?: boolean } = {}): TProgressSink {
  const tty = opts.tty ?? Boolean(process.stderr.isTTY && process.stdout.isTTY);
  if (tty && !opts.quiet && !cliEnv.plainProgress) return new TtyProgress(label, process.stderr);
  return new PlainProgress(label, opts.quiet ?? false);
}
