// Which WAL files a gateway adopts: those of processes that are gone, including an earlier process with
// our own pid (a restarted container), and never those of a live writer on another host.
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { LEDGER_BATCH_FIELD } from "@aitk/core/usage/event";
import { createRedis, type TRedis } from "@aitk/db";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LedgerWal } from "../src/ledger/wal";

const host = hostname().replace(/[^A-Za-z0-9_.]/g, "_");
let redis: TRedis;
let dir: string;
let stream: string;

beforeAll(() => {
  redis = createRedis("redis://127.0.0.1:6379");
  dir = join(tmpdir(), `aitk-wal-adopt-${randomBytes(4).toString("hex")}`);
  mkdirSync(dir, { recursive: true });
  stream = `t${randomBytes(4).toString("hex")}:aitk:ledger`;
});

afterAll(async () => {
  await redis.del(stream);
  redis.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

function walFile(name: string, ids: string[], heartbeatAgeMs = 0): void {
  const path = join(dir, name);
  writeFileSync(path, ids.map((id) => `{"requestId":"${id}"}\n`).join(""));
  writeFileSync(`${path}.off`, "0".padStart(16, " "));
  const t = new Date(Date.now() - heartbeatAgeMs);
  utimesSync(`${path}.off`, t, t);
  utimesSync(path, t, t);
}

async function shippedIds(): Promise<string[]> {
  const entries = await redis.xrange(stream, "-", "+");
  return entries.flatMap(([, f]) =>
    (f[f.indexOf(LEDGER_BATCH_FIELD) + 1] ?? "").split("\n").map((l) => JSON.parse(l).requestId as string),
  );
}

describe("ledger WAL adoption", () => {
  it("adopts dead writers' files, and an earlier process's with our own pid; leaves live ones alone", async () => {
    walFile(`ledger-${host}-${process.pid}-1.wal`, ["reused-pid-1", "reused-pid-2"]);
    walFile(`ledger-${host}-999999-2.wal`, ["dead-pid"]);
    walFile("ledger-other_container-7-3.wal", ["live-elsewhere"]);
    walFile("ledger-gone_container-7-4.wal", ["stale-elsewhere"], 30_000);
    const wal = new LedgerWal(redis.duplicate(), stream, dir, pino({ level: "silent" }));
    wal.open();
    expect(await wal.adoptOrphans()).toBe(3);
    expect((await shippedIds()).sort()).toEqual([
      "dead-pid",
      "reused-pid-1",
      "reused-pid-2",
      "stale-elsewhere",
    ]);
    await wal.stop();
  });

  it("ships its own appends byte for byte, 100 events per stream entry, none twice", async () => {
    await redis.del(stream);
    const own = join(dir, "own");
    const wal = new LedgerWal(redis.duplicate(), stream, own, pino({ level: "silent" }));
    wal.open();
    const events = Array.from({ length: 250 }, (_, i) =>
      JSON.stringify({ requestId: `r${i}`, model: "模型-é", note: "a\\nb" }),
    );
    for (const e of events.slice(0, 120)) wal.append(e);
    await wal.ship();
    for (const e of events.slice(120)) wal.append(e);
    await wal.ship();
    await wal.ship(); // nothing new: no entry
    const entries = await redis.xrange(stream, "-", "+");
    const batches = entries.map(([, f]) => f[f.indexOf(LEDGER_BATCH_FIELD) + 1]!.split("\n"));
    expect(batches.map((b) => b.length)).toEqual([100, 20, 100, 30]);
    expect(batches.flat()).toEqual(events);
    await wal.stop();
  });
});
