/** One CLI command. `run` returns the exit code; throwing UsageError exits 2 with its message. */
export interface TCommand {
  name: string;
  summary: string;
  /** Full help text, with examples. */
  help: string;
  run(argv: string[]): Promise<number>;
}
