import { describe, expect, it } from "vitest";
import { H1ParseError, H1ResponseParser, type TH1Headers } from "./parser";

type TOut = { status?: number; headers?: TH1Headers; body: string; complete?: boolean; keepAlive?: boolean };

function parser(): { p: H1ResponseParser; out: TOut } {
  const out: TOut = { body: "" };
  const p = new H1ResponseParser({
    head: (status, headers) => {
      out.status = status;
      out.headers = headers;
    },
    data: (c) => {
      out.body += c.toString("latin1");
    },
    complete: (keepAlive) => {
      out.complete = true;
      out.keepAlive = keepAlive;
    },
  });
  return { p, out };
}

/** Feeds the message whole, then split at every single position, then byte by byte: same result. */
function everySplit(msg: string): TOut[] {
  const results: TOut[] = [];
  const bytes = Buffer.from(msg, "latin1");
  const whole = parser();
  whole.p.feed(bytes);
  results.push(whole.out);
  for (let i = 1; i < bytes.length; i++) {
    const s = parser();
    s.p.feed(bytes.subarray(0, i));
    s.p.feed(bytes.subarray(i));
    results.push(s.out);
  }
  const b = parser();
  for (const x of bytes) b.p.feed(Buffer.from([x]));
  results.push(b.out);
  return results;
}

describe("H1ResponseParser", () => {
  it("Content-Length bodies, split anywhere", () => {
    const msg = 'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}';
    for (const out of everySplit(msg)) {
      expect(out).toEqual({
        status: 200,
        headers: { "content-type": "application/json", "content-length": "11" },
        body: '{"ok":true}',
        complete: true,
        keepAlive: true,
      });
    }
  });

  it("chunked bodies with extensions and trailers, split anywhere", () => {
    const msg =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/event-stream\r\n\r\n" +
      "6;ext=1\r\ndata: \r\n" +
      '9\r\n{"a":1}\n\n\r\n' +
      "0\r\nX-Trailer: t\r\n\r\n";
    for (const out of everySplit(msg)) {
      expect(out.body).toBe('data: {"a":1}\n\n');
      expect(out.complete).toBe(true);
      expect(out.keepAlive).toBe(true);
    }
  });

  it("skips interim 100 Continue, joins repeated headers", () => {
    const { p, out } = parser();
    p.feed(
      Buffer.from(
        "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nA: 1\r\na: 2\r\nContent-Length: 0\r\n\r\n",
      ),
    );
    expect(out.status).toBe(201);
    expect(out.headers?.a).toBe("1, 2");
    expect(out.complete).toBe(true);
  });

  it("connection reuse follows the HTTP version and Connection header", () => {
    const ka = (msg: string) => {
      const { p, out } = parser();
      p.feed(Buffer.from(msg));
      return out.keepAlive;
    };
    expect(ka("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")).toBe(false);
    expect(ka("HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")).toBe(false);
    expect(ka("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 0\r\n\r\n")).toBe(true);
    expect(ka("HTTP/1.1 204 No Content\r\n\r\n")).toBe(true);
    // Transfer-Encoding and Content-Length together: TE wins, the connection is not reused.
    expect(ka("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n")).toBe(
      false,
    );
  });

  it("a body without length runs until the connection closes; a cut-off one is an error", () => {
    const a = parser();
    a.p.feed(Buffer.from("HTTP/1.1 200 OK\r\n\r\nsome "));
    a.p.feed(Buffer.from("bytes"));
    expect(a.p.untilClose).toBe(true);
    a.p.end();
    expect(a.out).toMatchObject({ body: "some bytes", complete: true, keepAlive: false });

    const b = parser();
    b.p.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"));
    expect(() => b.p.end()).toThrow(H1ParseError);
  });

  it("refuses malformed responses with an error naming the problem", () => {
    const bad = (msg: string) => () => parser().p.feed(Buffer.from(msg));
    expect(bad("HTTX/1.1 200 OK\r\n\r\n")).toThrow(/status line/);
    expect(bad("HTTP/1.1 200 OK\r\nno colon here\r\n\r\n")).toThrow(/header line/);
    expect(bad("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n")).toThrow(
      /content-length/,
    );
    expect(bad("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n")).toThrow(/chunk size/);
    expect(bad(`HTTP/1.1 200 OK\r\nX: ${"a".repeat(70_000)}`)).toThrow(/too large/);
    expect(bad("HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n")).toThrow(/line ending/);
    expect(bad("HTTP/1.1 200 OK\r\n: empty name\r\n\r\n")).toThrow(/header line/);
  });

  it("a repeated identical Content-Length is one length; an empty header value is kept", () => {
    const a = parser();
    a.p.feed(Buffer.from("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nX-Empty:\r\nX-Sp:  v w  \r\n\r\nabc"));
    expect(a.out).toMatchObject({ body: "abc", complete: true, status: 200 });
    expect(a.out.headers).toMatchObject({ "content-length": "3, 3", "x-empty": "", "x-sp": "v w" });
  });
});
