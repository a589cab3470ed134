export * from "./complexity";
export * from "./pii";
export * from "./rateLease";
export * from "./rateLimit";
export * from "./ssrf";
export * from "./tokens";
