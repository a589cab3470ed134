export * from "./cancel";
export * from "./enqueue";
export * from "./finish";
export * from "./keys";
export * from "./logs";
export * from "./progress";
export * from "./watch";
export * from "./queues";
