export * from "./connect";
export * from "./containers";
export * from "./endpoint";
export * from "./health";
export * from "./kubernetes";
