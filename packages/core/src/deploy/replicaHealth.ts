// What the replica monitor does with one observation of a live replica: hysteresis on the way down
// (`failThreshold` consecutive failed checks before a healthy replica turns unhealthy), one passing check
// on the way up. Pure: the worker supplies the observation and the failure count it kept since the last
// passing check, and writes only when `changed` says so.

export type TMonitoredStatus = "starting" | "healthy" | "unhealthy";

export type TReplicaObservation =
  | { ok: true }
  /** `gone`: the container no longer exists, so no restart can bring it back (the replica has failed). */
  | { ok: false; reason: string; gone?: boolean };

export type TReplicaVerdict = {
  status: TMonitoredStatus | "failed";
  lastError: string | null;
  /** Consecutive failed checks including this one (0 after a passing check). */
  failures: number;
  /** Replica row to write (status or lastError differ from what is stored). */
  changed: boolean;
  /** What the linked endpoints' `healthy` should be, when it changes; undefined: leave them. */
  endpointHealthy?: boolean;
  /** A transition worth an audit row. */
  event?: "unhealthy" | "recovered" | "failed";
};

export const REPLICA_FAIL_THRESHOLD = 2;
const MAX_ERROR = 2000;

export function nextReplicaHealth(
  current: { status: TMonitoredStatus; lastError: string | null },
  failuresBefore: number,
  obs: TReplicaObservation,
  failThreshold = REPLICA_FAIL_THRESHOLD,
): TReplicaVerdict {
  if (obs.ok) {
    if (current.status === "healthy") return { ...current, failures: 0, changed: false };
    return {
      status: "healthy",
      lastError: null,
      failures: 0,
      changed: true,
      endpointHealthy: true,
      ...(current.status === "unhealthy" ? { event: "recovered" as const } : {}),
    };
  }
  const failures = failuresBefore + 1;
  const reason = obs.reason.slice(0, MAX_ERROR);
  if (failures < failThreshold) return { ...current, failures, changed: false };
  if (obs.gone)
    return {
      status: "failed",
      lastError: reason,
      failures,
      changed: true,
      endpointHealthy: false,
      event: "failed",
    };
  if (current.status === "unhealthy")
    return { status: "unhealthy", lastError: reason, failures, changed: current.lastError !== reason };
  return {
    status: "unhealthy",
    lastError: reason,
    failures,
    changed: true,
    endpointHealthy: false,
    event: "unhealthy",
  };
}
