export * from "./apiKeys";
export * from "./password";
export * from "./secrets";
