import { readFileSync } from "node:fs";
import type { TCommand } from "../command";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

const command: TCommand = {
  name: "version",
  summary: "Print the aitk version",
  help: "Usage: aitk version [--json]",
  async run(argv) {
    if (argv.includes("--json")) console.log(JSON.stringify({ version: pkg.version }));
    else console.log(`aitk ${pkg.version}`);
    return 0;
  },
};
export default command;
