import { pino } from "pino";

export type TLogger = pino.Logger;

/** JSON lines on stdout, one logger for the process; jobs log through children carrying jobId/kind. */
export function createLogger(level: string = "info"): TLogger {
  return pino({ level, base: { service: "aitk-worker" }, timestamp: pino.stdTimeFunctions.isoTime });
}
