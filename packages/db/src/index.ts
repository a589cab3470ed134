export * from "./client";
// PrismaClient, the Prisma namespace, every model type (User, Organization, …) and every enum.
export * from "./generated/prisma/client";
export * from "./redis";
