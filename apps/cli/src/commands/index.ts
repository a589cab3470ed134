import type { TCommand } from "../command";

// Commands load lazily so `aitk version` does not pay for the simulator or the build resolver.
// Add one line per command.
export const commands: Record<string, () => Promise<TCommand>> = {
  version: async () => (await import("./version")).default,
  keygen: async () => (await import("./keygen")).default,
  sign: async () => (await import("./sign")).default,
  verify: async () => (await import("./verify")).default,
  encrypt: async () => (await import("./crypt")).encryptCommand,
  decrypt: async () => (await import("./crypt")).decryptCommand,
  doctor: async () => (await import("./doctor")).default,
  simulate: async () => (await import("./simulate")).default,
  run: async () => (await import("./run")).default,
  deploy: async () => (await import("./deploy")).default,
  init: async () => (await import("./init")).default,
  build: async () => (await import("./build")).default,
  login: async () => (await import("./login")).default,
  logout: async () => (await import("./logout")).default,
  status: async () => (await import("./status")).default,
  logs: async () => (await import("./logs")).default,
  jobs: async () => (await import("./jobs")).default,
  keys: async () => (await import("./keys")).default,
  completion: async () => (await import("./completion")).default,
};
