// Job kind → handler module, one line each, loaded lazily. Kinds with no line here are not consumed by
// this worker (their jobs wait in the queue).
import type { TProcessorRegistry } from "../processor";

export const processors: TProcessorRegistry = {
  "demo.run": () => import("./demoRun"),
  "host.health": () => import("./hostHealth"),
  "host.healthAll": () => import("./hostHealthAll"),
  "ledger.drain": () => import("./ledger"),
  "build.run": () => import("./build"),
};
