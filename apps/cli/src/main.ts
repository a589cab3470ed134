import { cliEnv } from "./env";
import { commands } from "./commands/index";
import { EXIT_USAGE, exitCodeFor, UsageError } from "./errors";

function usage(): string {
  const names = Object.keys(commands).sort();
  return [
    "aitk — build, simulate, deploy and serve AI models",
    "",
    "Usage: aitk <command> [options]",
    "",
    `Commands: ${names.join(", ")}`,
    "",
    "Run `aitk <command> --help` for a command's options and examples.",
  ].join("\n");
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "--help" || name === "-h" || name === "help") {
    console.log(usage());
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
