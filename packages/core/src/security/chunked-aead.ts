import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { DomainError } from "../errors";

// Streaming AES-256-GCM in fixed-size chunks, each with its own authentication tag (the STREAM
// construction): memory stays at one chunk whatever the file size, and a flipped byte, a reordered or a
// dropped chunk is caught at the chunk it touches. The chunk index and a "final" flag are bound into
// each chunk's additional data, so truncating the file cannot pass as a shorter valid one.
//
// File layout: header (24 bytes) | chunk 0 | chunk 1 | … | final chunk
//   header = "AITKENC1" | version u8 = 1 | algorithm u8 = 1 (aes-256-gcm) | 2 reserved | chunkSize u32 BE | nonce prefix (8)
//   chunk  = ciphertext (chunkSize bytes; the final one 0..chunkSize) | GCM tag (16)
//   nonce  = nonce prefix (8) | chunk index u32 BE;  AAD = header | chunk index u32 BE | final u8

const MAGIC = Buffer.from("AITKENC1", "ascii");
export const HEADER_BYTES = 24;
const TAG_BYTES = 16;
export const DEFAULT_CHUNK_BYTES = 1024 * 1024;
const MAX_CHUNK_BYTES = 64 * 1024 * 1024;

/** Parses a 256-bit key given as 64 hex characters (how keys travel in environment variables). */
export function parseKeyHex(hex: string, name = "key"): Buffer {
  const trimmed = hex.trim();
  if (!/^[0-9a-fA-F]{64}$/.test(trimmed)) {
    throw new DomainError(
      "VALIDATION",
      `${name} must be a 256-bit key written as 64 hexadecimal characters (got ${trimmed.length} characters)`,
      { field: name },
    );
  }
  return Buffer.from(trimmed, "hex");
}

function makeHeader(chunkSize: number, noncePrefix: Buffer): Buffer {
  const h = Buffer.alloc(HEADER_BYTES);
  MAGIC.copy(h, 0);
  h.writeUInt8(1, 8);
  h.writeUInt8(1, 9);
  h.writeUInt32BE(chunkSize, 12);
  noncePrefix.copy(h, 16);
  return h;
}

function nonceFor(prefix: Buffer, index: number): Buffer {
  const n = Buffer.alloc(12);
  prefix.copy(n, 0);
  n.writeUInt32BE(index, 8);
  return n;
}

function aadFor(header: Buffer, index: number, final: boolean): Buffer {
  const a = Buffer.alloc(HEADER_BYTES + 5);
  header.copy(a, 0);
  a.writeUInt32BE(index, HEADER_BYTES);
  a.writeUInt8(final ? 1 : 0, HEADER_BYTES + 4);
  return a;
}

/** Collects pushed bytes and hands them back in pieces of an exact size, copying at most once. */
class ByteQueue {
  private parts: Buffer[] = [];
  length = 0;
  push(b: Buffer) {
    if (b.length) {
      this.parts.push(b);
      this.length += b.length;
    }
  }
  take(n: number): Buffer {
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const p = this.parts[0]!;
      const need = n - off;
      if (p.length <= need) {
        p.copy(out, off);
        off += p.length;
        this.parts.shift();
      } else {
        p.copy(out, off, 0, need);
        this.parts[0] = p.subarray(need);
        off += need;
      }
    }
    this.length -= n;
    return out;
  }
}

export class ChunkEncryptor {
  readonly header: Buffer;
  private readonly queue = new ByteQueue();
  private index = 0;
  private finished = false;

  constructor(
    private readonly key: Buffer,
    private readonly chunkSize = DEFAULT_CHUNK_BYTES,
    noncePrefix: Buffer = randomBytes(8),
  ) {
    if (key.length !== 32)
      throw new DomainError("VALIDATION", "AES-256-GCM needs a 32-byte key", { field: "key" });
    if (!Number.isInteger(chunkSize) || chunkSize < 16 || chunkSize > MAX_CHUNK_BYTES) {
      throw new DomainError("VALIDATION", `chunk size must be 16 B … 64 MiB, got ${chunkSize}`, {
        field: "chunkSize",
      });
    }
    this.header = makeHeader(chunkSize, noncePrefix);
  }

  private seal(plain: Buffer, final: boolean): Buffer {
    const prefix = this.header.subarray(16, 24);
    const c = createCipheriv("aes-256-gcm", this.key, nonceFor(prefix, this.index));
    c.setAAD(aadFor(this.header, this.index, final));
    const body = c.update(plain);
    c.final();
    this.index++;
    return Buffer.concat([body, c.getAuthTag()]);
  }

  /** Returns the sealed chunks that are complete; the last full chunk is held back until we know it is not final. */
  push(data: Buffer): Buffer[] {
    if (this.finished) throw new Error("push after finish");
    this.queue.push(data);
    const out: Buffer[] = [];
    while (this.queue.length > this.chunkSize) out.push(this.seal(this.queue.take(this.chunkSize), false));
    return out;
  }

  finish(): Buffer {
    this.finished = true;
    return this.seal(this.queue.take(this.queue.length), true);
  }
}

export class ChunkDecryptor {
  private header: Buffer | null = null;
  private chunkSize = 0;
  private readonly queue = new ByteQueue();
  private index = 0;

  constructor(private readonly key: Buffer) {
    if (key.length !== 32)
      throw new DomainError("VALIDATION", "AES-256-GCM needs a 32-byte key", { field: "key" });
  }

  private readHeader() {
    const h = this.queue.take(HEADER_BYTES);
    if (!h.subarray(0, 8).equals(MAGIC)) {
      throw new DomainError("VALIDATION", "not an aitk encrypted file (bad magic bytes)");
    }
    if (h.readUInt8(8) !== 1 || h.readUInt8(9) !== 1) {
      throw new DomainError(
        "VALIDATION",
        `unsupported aitk encryption version ${h.readUInt8(8)}/${h.readUInt8(9)}`,
      );
    }
    const size = h.readUInt32BE(12);
    if (size < 16 || size > MAX_CHUNK_BYTES)
      throw new DomainError("VALIDATION", `corrupt header: chunk size ${size}`);
    this.header = h;
    this.chunkSize = size;
  }

  private open(sealed: Buffer, final: boolean): Buffer {
    const header = this.header!;
    const d = createDecipheriv("aes-256-gcm", this.key, nonceFor(header.subarray(16, 24), this.index));
    d.setAAD(aadFor(header, this.index, final));
    d.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const body = d.update(sealed.subarray(0, sealed.length - TAG_BYTES));
    try {
      d.final();
    } catch {
      const offset = HEADER_BYTES + this.index * (this.chunkSize + TAG_BYTES);
      throw new DomainError(
        "VALIDATION",
        `authentication failed at chunk ${this.index} (byte ${offset}): the file was modified, truncated, or the key is wrong`,
        { chunk: this.index, offset },
      );
    }
    this.index++;
    return body;
  }

  push(data: Buffer): Buffer[] {
    this.queue.push(data);
    if (!this.header) {
      if (this.queue.length < HEADER_BYTES) return [];
      this.readHeader();
    }
    const sealedSize = this.chunkSize + TAG_BYTES;
    const out: Buffer[] = [];
    while (this.queue.length > sealedSize) out.push(this.open(this.queue.take(sealedSize), false));
    return out;
  }

  finish(): Buffer {
    if (!this.header)
      throw new DomainError("VALIDATION", "not an aitk encrypted file (shorter than its header)");
    if (this.queue.length < TAG_BYTES) {
      throw new DomainError(
        "VALIDATION",
        `the file is truncated: its final chunk is missing (after chunk ${this.index - 1})`,
      );
    }
    return this.open(this.queue.take(this.queue.length), true);
  }
}

/** Whole-buffer helpers, for small payloads and tests. */
export function encryptBuffer(key: Buffer, plain: Buffer, chunkSize = DEFAULT_CHUNK_BYTES): Buffer {
  const e = new ChunkEncryptor(key, chunkSize);
  return Buffer.concat([e.header, ...e.push(plain), e.finish()]);
}

export function decryptBuffer(key: Buffer, sealed: Buffer): Buffer {
  const d = new ChunkDecryptor(key);
  return Buffer.concat([...d.push(sealed), d.finish()]);
}
