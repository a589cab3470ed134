import {
  closeSync,
  existsSync,
  fstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  statSync,
  unlinkSync,
  utimesSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { LEDGER_BATCH_FIELD } from "@aitk/core/usage/event";
import type { TRedis } from "@aitk/db";
import type { TLogger } from "../obs/log";

/** ledger-<host>-<pid>-<ms>.wal (files of older versions have no host part). */
const FILE_RE = /^ledger-(?:(.+)-)?(\d+)-(\d+)\.wal$/;
/** The owner refreshes its file's heartbeat (mtime of `<file>.off`) this often… */
const HEARTBEAT_MS = 1_000;
/** …so a file whose heartbeat is older than this belongs to a process that is gone, on any host. */
const STALE_MS = 10_000;
/** An adoption lock this old was left by an adopter that died. */
const LOCK_STALE_MS = 60_000;
/** Host names go into file names: keep them to safe characters. */
const HOST = hostname().replace(/[^A-Za-z0-9_.]/g, "_") || "host";
const ROTATE_BYTES = 16 * 1024 * 1024;
/** Events per stream entry: one XADD carries a whole batch (the drain splits it again). */
const EVENTS_PER_ENTRY = 100;

/**
 * Whether a WAL file's writer is gone. Its heartbeat decides on any host (the directory may be a volume
 * shared by containers, whose pids mean nothing here); on this host a dead pid decides at once. The
 * same pid as ours with another file name is an earlier process (a restarted container is often pid 1
 * again), not us.
 */
function orphaned(path: string, host: string, pid: number): boolean {
  let beat: number;
  try {
    beat = statSync(`${path}.off`).mtimeMs;
  } catch {
    try {
      beat = statSync(path).mtimeMs;
    } catch {
      return false; // removed meanwhile
    }
  }
  if (Date.now() - beat > STALE_MS) return true;
  return host === HOST && (pid === process.pid || !alive(pid));
}

function lockStale(lock: string): boolean {
  try {
    const [host, pid] = readFileSync(lock, "utf8").split(":");
    if (host === HOST && pid && !alive(Number(pid))) return true;
    return Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS;
  } catch {
    return false;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * GATEWAY_LEDGER_WAL=file: the write-ahead step is a synchronous append to a local file (no network
 * round trip before the response; survives kill -9 of the process since the data is in the page cache),
 * and a shipper moves new lines into the Redis stream `aitk:ledger` in pipelined batches every few ms,
 * remembering how far it got in `<file>.off`. A crash between XADD and the offset update re-ships a few
 * events: the drain is idempotent on requestId. Each batch of up to 100 events is one stream entry
 * (field `b`), so Redis does one append per batch rather than one per request. Files of processes that
 * are gone (heartbeat older than 10 s, or a dead pid on this host) found in the same directory are
 * adopted under an O_EXCL lock and shipped by a live gateway, so a killed replica's events still reach
 * the ledger; that needs the directory to be on storage the next process sees (same host, or a volume
 * that containers share: file names carry the host name, so pids of other containers are never
 * trusted). The shipper has its own Redis connection (given by the caller) so its batches
 * never queue in front of the request path's rate-limit calls.
 */
export class LedgerWal {
  private fd = -1;
  /** `<file>.off`, kept open: the shipped offset is rewritten in place after every batch. */
  private offFd = -1;
  private path = "";
  private written = 0;
  private shipped = 0;
  private shipping = false;
  /** Token reconciliations (counter key → delta) applied in the shipper's batch, not per request. */
  private adjust = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private orphanTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: TRedis,
    private readonly stream: string,
    private readonly dir: string,
    private readonly log: TLogger,
  ) {}

  open(): void {
    mkdirSync(this.dir, { recursive: true });
    this.path = join(this.dir, `ledger-${HOST}-${process.pid}-${Date.now()}.wal`);
    // a+: appends go to the end, the shipper reads back from its offset.
    this.fd = openSync(this.path, "a+");
    this.offFd = openSync(`${this.path}.off`, "w");
    this.written = 0;
    this.shipped = 0;
  }

  start(shipEveryMs = 50, orphanScanMs = 1_000): void {
    this.open();
    this.timer = setInterval(() => void this.ship(), shipEveryMs);
    this.timer.unref();
    this.orphanTimer = setInterval(
      () => {
        this.heartbeat();
        void this.adoptOrphans();
      },
      Math.min(orphanScanMs, HEARTBEAT_MS),
    );
    this.orphanTimer.unref();
    void this.adoptOrphans();
  }

  /** Marks this process's file as alive for other gateways sharing the directory (see orphaned()). */
  private heartbeat(): void {
    try {
      const now = new Date();
      utimesSync(`${this.path}.off`, now, now);
    } catch {}
  }

  /** Queues a token counter correction for the next shipping batch. */
  addAdjust(keys: string[], delta: number): void {
    for (const k of keys) this.adjust.set(k, (this.adjust.get(k) ?? 0) + delta);
  }

  /**
   * Synchronous append of one event line; throws if the disk refuses (the caller falls back). Written
   * as a string: no Buffer (and no slab of node's pool, an ArrayBuffer outside the heap) per event.
   */
  append(json: string): void {
    const line = `${json}\n`;
    const n = writeSync(this.fd, line);
    this.written += n;
    const bytes = Buffer.byteLength(line);
    if (n !== bytes) {
      // A full disk: end the torn line so the next event starts a line of its own (the drain drops
      // the torn one), and let the caller write this event to Redis instead.
      try {
        this.written += writeSync(this.fd, "\n");
      } catch {}
      throw new Error(`short WAL write (${n} of ${bytes} bytes)`);
    }
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    if (this.orphanTimer) clearInterval(this.orphanTimer);
    for (let i = 0; i < 50 && this.shipped < this.written; i++) {
      await this.ship();
      if (this.shipped < this.written) await new Promise((r) => setTimeout(r, 100));
    }
    if (this.fd >= 0) closeSync(this.fd);
    if (this.offFd >= 0) closeSync(this.offFd);
    this.fd = -1;
    this.offFd = -1;
    if (this.shipped >= this.written) this.remove(this.path);
    this.redis.disconnect();
  }

  /** Ships lines between the shipped offset and the end of the file into the stream. */
  async ship(): Promise<void> {
    if (this.shipping) return;
    if (this.adjust.size > 0) {
      const adj = this.adjust;
      this.adjust = new Map();
      const pipe = this.redis.pipeline();
      for (const [k, d] of adj) if (d !== 0) pipe.aitkReconcile(1, k, d);
      pipe.exec().catch(() => {});
    }
    if (this.shipped >= this.written) return;
    this.shipping = true;
    try {
      const end = this.written;
      const n = await shipRange(this.redis, this.stream, this.fd, this.shipped, end);
      this.shipped += n;
      // Fixed width, written in place: no open/close per batch, and a shorter number never leaves digits behind.
      writeSync(this.offFd, String(this.shipped).padStart(16, " "), 0);
      if (this.shipped === this.written && this.written > ROTATE_BYTES) {
        closeSync(this.fd);
        closeSync(this.offFd);
        this.remove(this.path);
        this.open();
      }
    } catch (err) {
      this.log.warn({ err: String(err) }, "ledger WAL shipping failed; will retry");
    } finally {
      this.shipping = false;
    }
  }

  private remove(path: string): void {
    for (const p of [path, `${path}.off`, `${path}.lock`]) {
      try {
        unlinkSync(p);
      } catch {}
    }
  }

  /** Ships and removes WAL files left by processes that are gone. */
  async adoptOrphans(): Promise<number> {
    let adopted = 0;
    let names: string[];
    try {
      names = readdirSync(this.dir);
    } catch {
      return 0;
    }
    for (const name of names) {
      const m = FILE_RE.exec(name);
      if (!m) continue;
      const path = join(this.dir, name);
      if (path === this.path || !orphaned(path, m[1] ?? HOST, Number(m[2]))) continue;
      const lock = `${path}.lock`;
      let lockFd: number;
      try {
        lockFd = openSync(lock, "wx");
      } catch {
        // Someone else is adopting it; take over only if that someone is gone too.
        if (lockStale(lock)) this.remove(lock);
        continue;
      }
      writeSync(lockFd, `${HOST}:${process.pid}`);
      closeSync(lockFd);
      try {
        const fd = openSync(path, "r");
        try {
          const size = fstatSync(fd).size;
          const from = existsSync(`${path}.off`) ? Number(readFileSync(`${path}.off`, "utf8") || "0") : 0;
          let off = from;
          while (off < size) {
            const n = await shipRange(this.redis, this.stream, fd, off, size);
            if (n === 0) break;
            off += n;
            writeFileSync(`${path}.off`, String(off));
          }
        } finally {
          closeSync(fd);
        }
        this.remove(path);
        adopted++;
        this.log.info({ file: name }, "adopted ledger WAL of a dead gateway process");
      } catch (err) {
        this.remove(lock);
        this.log.warn({ err: String(err), file: name }, "adopting ledger WAL failed; will retry");
      }
    }
    return adopted;
  }
}

/**
 * One read buffer for every shipRange call, grown when needed. A fresh Buffer per batch was a fresh
 * ArrayBuffer outside the V8 heap every 50 ms (megabytes a second at saturation): V8 answers such
 * external-memory growth with extra mark-compacts (5–10 ms pauses every ~1.3 s, seen with --trace-gc).
 * Safe to share: each call decodes what it ships before its first await.
 */
let readBuf = Buffer.allocUnsafeSlow(256 * 1024);

/**
 * XADDs every complete line in [from, to) of the file, up to 100 per stream entry, in one pipeline;
 * returns the bytes consumed. Entries are cut at newlines in the bytes read and decoded once each
 * (V8 heap strings, which a scavenge frees cheaply), never split into lines and re-joined.
 */
async function shipRange(
  redis: TRedis,
  stream: string,
  fd: number,
  from: number,
  to: number,
): Promise<number> {
  const len = Math.min(to - from, 4 * 1024 * 1024);
  if (readBuf.length < len) readBuf = Buffer.allocUnsafeSlow(Math.max(len, readBuf.length * 2));
  const buf = readBuf;
  const got = readSync(fd, buf, 0, len, from);
  const last = got > 0 ? buf.lastIndexOf(10, got - 1) : -1;
  if (last < 0) return 0;
  const pipe = redis.pipeline();
  let entries = 0;
  let entryStart = 0;
  let lines = 0;
  let i = 0;
  while (i <= last) {
    const nl = buf.indexOf(10, i);
    if (nl > i) lines++;
    i = nl + 1;
    if (lines === EVENTS_PER_ENTRY || i > last) {
      if (lines > 0) {
        pipe.xadd(stream, "*", LEDGER_BATCH_FIELD, buf.toString("utf8", entryStart, i - 1));
        entries++;
      }
      entryStart = i;
      lines = 0;
    }
  }
  if (entries > 0) {
    const res = await pipe.exec();
    if (!res || res.some(([e]) => e)) throw new Error("XADD failed");
  }
  return last + 1;
}
