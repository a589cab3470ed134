import type { TCommand } from "../command";

// Commands load lazily so `aitk version` does not pay for the simulator or the build resolver.
// Add one line per command.
export const commands: Record<string, () => Promise<TCommand>> = {
  version: async () => (await import("./version")).default,
};
