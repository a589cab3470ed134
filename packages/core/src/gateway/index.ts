export * from "./complexity";
export * from "./pii";
export * from "./rateLimit";
export * from "./ssrf";
export * from "./tokens";
