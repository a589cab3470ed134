// Job kind → handler module, one line each, loaded lazily. Kinds with no line here are not consumed by
// this worker (their jobs wait in the queue).
import type { TProcessorRegistry } from "../processor";

export const processors: TProcessorRegistry = {
  "demo.run": () => import("./demoRun"),
  "host.health": () => import("./hostHealth"),
  "host.healthAll": () => import("./hostHealthAll"),
  "ledger.drain": () => import("./ledger"),
  "usage.rollup": () => import("./usage-rollup"),
  "usage.retention": () => import("./retention"),
  "billing.sync": () => import("./billing-sync"),
  "billing.reconcile": () => import("./billing-reconcile"),
  "build.run": () => import("./build"),
  "deploy.apply": () => import("./deploy"),
  "replica.monitor": () => import("./replica-monitor"),
  "simulate.sweep": () => import("./simulate-sweep"),
};
