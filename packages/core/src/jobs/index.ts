export * from "./definitions";
export * from "./payload";
