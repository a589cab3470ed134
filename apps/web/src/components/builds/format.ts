export const duration = (ms: number | null) =>
  ms === null
    ? "–"
    : ms < 60_000
      ? `${(ms / 1000).toFixed(1)} s`
      : `${Math.floor(ms / 60_000)}m ${Math.round((ms % 60_000) / 1000)}s`;

export const size = (b: number | null) =>
  b === null
    ? "–"
    : b >= 1024 ** 3
      ? `${(b / 1024 ** 3).toFixed(2)} GiB`
      : `${(b / 1024 ** 2).toFixed(1)} MiB`;

/** Badge kind for a build status (the shared badge styles speak job states). */
export const statusKind = (s: string) => (s === "succeeded" ? "completed" : s === "running" ? "active" : s);
