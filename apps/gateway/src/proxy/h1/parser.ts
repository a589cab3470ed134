/**
 * Incremental HTTP/1.x response parser for the gateway's upstream client: status line and headers,
 * then the body framed by Content-Length, chunked transfer coding, or the end of the connection.
 * Bytes may arrive split anywhere. Pure (no sockets), so it is tested on its own.
 */

/** Response header names are lower-cased; repeated headers are joined with ", ". */
export type TH1Headers = Record<string, string>;

export type TH1Events = {
  head(status: number, headers: TH1Headers): void;
  data(chunk: Buffer): void;
  /** The response is complete; `keepAlive`: the connection may carry another request. */
  complete(keepAlive: boolean): void;
};

export class H1ParseError extends Error {
  readonly code = "UND_ERR_SOCKET";
}

const MAX_HEAD_BYTES = 64 * 1024;
const MAX_CHUNK_LINE = 4 * 1024;
const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");

type TState = "head" | "fixed" | "chunk-size" | "chunk-data" | "chunk-crlf" | "trailer" | "close" | "done";

const isDigit = (c: number) => c >= 48 && c <= 57;

/** Header names from upstreams are usually lower case already: no new string then. */
function lower(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 65 && c <= 90) return s.toLowerCase();
  }
  return s;
}

/** Buffer#latin1Slice(start, end): what toString("latin1") calls, minus the argument checks. */
declare module "node:buffer" {
  interface Buffer {
    latin1Slice(start: number, end: number): string;
  }
}

const DIGITS = /^\d{1,15}$/;

/** A Content-Length value; repeats of one number ("12, 12") are allowed, anything else is refused. */
function contentLength(cl: string): number {
  if (DIGITS.test(cl)) return Number(cl);
  const values = new Set(cl.split(",").map((v) => v.trim()));
  const only = [...values][0]!;
  if (values.size !== 1 || !DIGITS.test(only)) throw new H1ParseError("invalid content-length from upstream");
  return Number(only);
}

export class H1ResponseParser {
  private state: TState = "head";
  /** Bytes of a head, chunk-size line or trailer line not yet complete. */
  private pending: Buffer | null = null;
  private left = 0;
  private keepAlive = true;
  private noBody = false;

  constructor(private readonly on: TH1Events) {}

  /** The next response on this connection (after `complete`); `noBody` for responses to HEAD. */
  reset(noBody = false): void {
    this.state = "head";
    this.pending = null;
    this.left = 0;
    this.keepAlive = true;
    this.noBody = noBody;
  }

  get expectsMore(): boolean {
    return this.state !== "done";
  }

  /** Whether the body runs until the connection closes (then `end()` completes it). */
  get untilClose(): boolean {
    return this.state === "close";
  }

  /** The connection ended: completes a body delimited by the close, or throws if one was cut off. */
  end(): void {
    if (this.state === "close") {
      this.state = "done";
      this.on.complete(false);
      return;
    }
    if (this.state !== "done") throw new H1ParseError("upstream closed the connection mid-response");
  }

  feed(input: Buffer): void {
    let buf = this.pending ? Buffer.concat([this.pending, input]) : input;
    this.pending = null;
    while (buf.length > 0) {
      switch (this.state) {
        case "head": {
          const end = buf.indexOf(HEAD_END);
          if (end < 0) {
            if (buf.length > MAX_HEAD_BYTES) throw new H1ParseError("upstream response head too large");
            this.pending = buf;
            return;
          }
          this.parseHead(buf, end);
          buf = buf.subarray(end + 4);
          break;
        }
        case "fixed":
          buf = this.take(buf);
          if (this.left === 0) this.finish();
          break;
        case "close":
          this.on.data(buf);
          return;
        case "chunk-size": {
          const eol = this.lineEnd(buf, MAX_CHUNK_LINE, "upstream chunk size line too long");
          if (eol < 0) return;
          const line = buf.toString("latin1", 0, eol);
          const semi = line.indexOf(";");
          const hex = (semi < 0 ? line : line.slice(0, semi)).trim();
          if (!/^[0-9a-fA-F]{1,12}$/.test(hex)) throw new H1ParseError("invalid chunk size from upstream");
          this.left = Number.parseInt(hex, 16);
          buf = buf.subarray(eol + 2);
          this.state = this.left === 0 ? "trailer" : "chunk-data";
          break;
        }
        case "chunk-data":
          buf = this.take(buf);
          if (this.left === 0) this.state = "chunk-crlf";
          break;
        case "chunk-crlf": {
          if (buf.length < 2) {
            this.pending = buf;
            return;
          }
          if (buf[0] !== 13 || buf[1] !== 10) throw new H1ParseError("missing CRLF after chunk data");
          buf = buf.subarray(2);
          this.state = "chunk-size";
          break;
        }
        case "trailer": {
          const eol = this.lineEnd(buf, MAX_HEAD_BYTES, "upstream trailer too large");
          if (eol < 0) return;
          buf = buf.subarray(eol + 2);
          if (eol === 0) this.finish(); // the empty line ends the trailer section
          break;
        }
        case "done":
          // Bytes after a complete response on a connection we did not ask anything more of.
          throw new H1ParseError("unexpected data from upstream after the response");
      }
    }
  }

  /** End of the line at the start of buf, or -1: then buf is kept for the next bytes (up to `max`). */
  private lineEnd(buf: Buffer, max: number, tooLong: string): number {
    const eol = buf.indexOf(CRLF);
    if (eol < 0) {
      if (buf.length > max) throw new H1ParseError(tooLong);
      this.pending = buf;
    }
    return eol;
  }

  /** Passes on up to `left` body bytes (of a fixed body or one chunk); returns what follows them. */
  private take(buf: Buffer): Buffer {
    const n = Math.min(this.left, buf.length);
    this.left -= n;
    this.on.data(buf.subarray(0, n));
    return buf.subarray(n);
  }

  private finish(): void {
    this.state = "done";
    this.on.complete(this.keepAlive);
  }

  /** Status line and headers in buf[0, end): read from the bytes, one string per name and value. */
  private parseHead(buf: Buffer, end: number): void {
    // "HTTP/1.x SSS" then a space or the end of the line
    if (
      end < 12 ||
      buf.latin1Slice(0, 7) !== "HTTP/1." ||
      (buf[7] !== 48 && buf[7] !== 49) ||
      buf[8] !== 32 ||
      !isDigit(buf[9]!) ||
      !isDigit(buf[10]!) ||
      !isDigit(buf[11]!) ||
      (end > 12 && buf[12] !== 32 && buf[12] !== 13)
    ) {
      throw new H1ParseError("invalid status line from upstream");
    }
    const minor = buf[7] === 49 ? "1" : "0";
    const status = (buf[9]! - 48) * 100 + (buf[10]! - 48) * 10 + (buf[11]! - 48);
    const headers: TH1Headers = {};
    // One pass over the bytes in JS: a Buffer#indexOf per line and per colon was a native call each.
    let pos = 12;
    while (pos < end && buf[pos] !== 13) pos++;
    while (pos < end) {
      if (buf[pos + 1] !== 10) throw new H1ParseError("invalid line ending from upstream");
      const start = pos + 2;
      let colon = -1;
      let eol = start;
      for (; eol < end; eol++) {
        const c = buf[eol]!;
        if (c === 13) break;
        if (c === 58 && colon < 0) colon = eol; // ':'
      }
      if (colon <= start) throw new H1ParseError("invalid header line from upstream");
      let ne = colon;
      while (ne > start && (buf[ne - 1] === 32 || buf[ne - 1] === 9)) ne--;
      let vs = colon + 1;
      let ve = eol;
      while (vs < ve && (buf[vs] === 32 || buf[vs] === 9)) vs++;
      while (ve > vs && (buf[ve - 1] === 32 || buf[ve - 1] === 9)) ve--;
      const name = lower(buf.latin1Slice(start, ne));
      const value = buf.latin1Slice(vs, ve);
      const prev = headers[name];
      headers[name] = prev === undefined ? value : `${prev}, ${value}`;
      pos = eol;
    }
    if (status >= 100 && status < 200 && status !== 101) return; // interim response: the real one follows
    const conn = (headers.connection ?? "").toLowerCase();
    this.keepAlive = minor === "1" ? !conn.includes("close") : conn.includes("keep-alive");
    this.on.head(status, headers);
    if (this.noBody || status === 204 || status === 304) {
      this.finish();
      return;
    }
    const te = headers["transfer-encoding"];
    if (te !== undefined) {
      if (!/(^|,)\s*chunked\s*$/i.test(te)) {
        this.keepAlive = false;
        this.state = "close";
        return;
      }
      // Transfer-Encoding wins over a Content-Length; such a message is suspect, so do not reuse.
      if (headers["content-length"] !== undefined) this.keepAlive = false;
      this.state = "chunk-size";
      return;
    }
    const cl = headers["content-length"];
    if (cl !== undefined) {
      this.left = contentLength(cl);
      if (this.left === 0) {
        this.finish();
        return;
      }
      this.state = "fixed";
      return;
    }
    this.keepAlive = false;
    this.state = "close";
  }
}
