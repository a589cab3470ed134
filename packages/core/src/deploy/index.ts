// aitk deploy, pure parts: the AIDeployment spec, per-engine knowledge, per-platform renderers, cost.
export * from "./checks";
export * from "./cost";
export * from "./devices";
export * from "./engines";
export * from "./parse";
export * from "./plan";
export * from "./prices";
export * from "./render/index";
export * from "./sizing";
export * from "./spec";
export * from "./rollout";
