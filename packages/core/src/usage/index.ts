export * from "./buckets";
export * from "./event";
export * from "./pricing";
