export * from "./f16";
export * from "./reader";
export * from "./tinyLlama";
export * from "./types";
export * from "./validate";
export * from "./vocab";
export * from "./writer";
