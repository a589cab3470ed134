import pino from "pino";
import { getEnv } from "../env";

let root: pino.Logger | undefined;

/** Structured JSON logs on stdout; secrets and tokens never go in (redact covers the usual keys). */
export function getLogger(): pino.Logger {
  if (!root) {
    root = pino({
      name: "aitk-web",
      level: getEnv().LOG_LEVEL,
      base: { app: "web" },
      redact: {
        paths: [
          "password",
          "*.password",
          "token",
          "*.token",
          "apiKey",
          "*.apiKey",
          "authorization",
          "*.authorization",
        ],
        censor: "[redacted]",
      },
    });
  }
  return root;
}
