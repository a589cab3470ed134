// Enums only, with no Prisma runtime behind them: safe to import from browser bundles (`@aitk/db/enums`).
export * from "./generated/prisma/enums";
