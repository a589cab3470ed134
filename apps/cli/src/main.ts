import { cliEnv } from "./env";
import { commands } from "./commands/index";
import { EXIT_USAGE, exitCodeFor, UsageError } from "./errors";

const SEED_EXAMPLES = [
  "aitk version",
  "aitk init --model meta-llama/Llama-3.2-1B-instruct --quantize q4_k_m --platform local",
  "aitk build -t my-llm-server:2026 --cuda 12.4 --quantize q4_k_m --optimize for-speed --security-scan",
  "aitk simulate --device nvidia-h100 --vram 80GB --compute-capability 9.0",
  "aitk run --simulate --model meta-llama/Llama-3.2-70B --quantize fp8 --batch-size 32",
  "aitk deploy -f aitk-deploy.yaml --all",
  "aitk deploy -f aitk-deploy.yaml --target production-h100",
  "aitk deploy -f aitk-deploy.yaml --strategy blue-green",
  "aitk sign --model /models/Llama-3.2-7B-instruct --key private-key.pem --output model.sig",
  "aitk login --api-url http://127.0.0.1:3000 --api-key-stdin < key.txt",
  "aitk logs JOB_ID -f",
];

/** Every command with its one-line summary (loads them all: only for --help). */
async function usage(): Promise<string> {
  const names = Object.keys(commands).sort();
  const loaded = await Promise.all(names.map(async (n) => [n, (await commands[n]!()).summary] as const));
  const width = Math.max(...names.map((n) => n.length));
  return [
    "aitk — build, simulate, deploy and serve AI models",
    "",
    "Usage: aitk <command> [options]",
    "",
    "Commands:",
    ...loaded.map(([n, summary]) => `  ${n.padEnd(width)}  ${summary}`),
    "",
    "Examples:",
    ...SEED_EXAMPLES.map((e) => `  ${e}`),
    "",
    "Run `aitk <command> --help` (or `aitk help <command>`) for a command's options and examples.",
    "Exit codes: 0 ok, 1 the operation failed, 2 bad input. --json prints machine-readable output.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === "help" && rest[0]) return main([rest[0], "--help"]);
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(await usage());
    return name ? 0 : EXIT_USAGE;
  }
  if (name === "--version" || name === "-v") return main(["version", ...rest]);
  const load = commands[name];
  if (!load) {
    throw new UsageError(`unknown command "${name}". Commands: ${Object.keys(commands).sort().join(", ")}`);
  }
  const command = await load();
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(command.help);
    return 0;
  }
  return command.run(rest);
}

// `aitk jobs --json | head -1` closes the pipe early: that is not an error worth a stack trace.
process.stdout.on("error", (e: NodeJS.ErrnoException) => {
  if (e.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw e;
});

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const code = exitCodeFor(err);
    const message = err instanceof Error ? err.message : String(err);
    console.error(`aitk: ${message}`);
    if (code !== EXIT_USAGE && cliEnv.debug && err instanceof Error) console.error(err.stack);
    process.exitCode = code;
  },
);
