import type { NextConfig } from "next";

// Workspace packages ship TypeScript sources, so Next compiles them; drivers with native parts or
// dynamic requires stay outside the bundle and load from node_modules at runtime.
const config: NextConfig = {
  transpilePackages: ["@aitk/core", "@aitk/db"],
  serverExternalPackages: [
    "pg",
    "pg-native",
    "ioredis",
    "bullmq",
    "@prisma/client",
    "@prisma/adapter-pg",
    "@prisma/driver-adapter-utils",
    "dockerode",
    "docker-modem",
    "ssh2",
    "cpu-features",
    "pino",
    "thread-stream",
    // Optional plugins (xmlbuilder2, libxmljs2, …) are require()d inside try/catch at runtime; bundling
    // would turn the missing ones into build errors.
    "@cyclonedx/cyclonedx-library",
  ],
  typedRoutes: false,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
