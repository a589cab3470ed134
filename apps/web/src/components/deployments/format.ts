/** Badge kind for deployment / revision / replica / target states (the shared styles speak job states). */
export function stateKind(s: string): string {
  switch (s) {
    case "active":
    case "healthy":
      return "ok";
    case "failed":
    case "unhealthy":
    case "rolled_back":
      return "bad";
    case "deploying":
    case "rolling_out":
    case "starting":
    case "creating":
    case "draining":
      return "active";
    case "degraded":
      return "warn";
    default:
      return "unknown";
  }
}

export const STRATEGY_CHOICES = ["", "rolling", "blue-green", "canary", "recreate"] as const;

/** Starts a browser download of a text file. */
export function download(name: string, content: string) {
  const url = URL.createObjectURL(new Blob([content], { type: "text/plain" }));
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
