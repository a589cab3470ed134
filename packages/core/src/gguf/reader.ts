// Parses the header of a GGUF file (metadata and tensor infos, not tensor data) from bytes.
// Used to validate a model before llama.cpp sees it: some missing keys abort the whole process there.

import { validationError } from "../errors";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, GgufValueType } from "./types";

export type TGgufParsedValue = number | bigint | boolean | string | TGgufParsedValue[];

export interface TGgufTensorInfo {
  name: string;
  dims: number[];
  type: number;
  offset: number;
}

export interface TGgufHeader {
  version: number;
  alignment: number;
  metadata: Map<string, TGgufParsedValue>;
  /** Value type of each key, for type checks (ARRAY entries record the item type separately). */
  types: Map<string, { type: GgufValueType; itemType?: GgufValueType }>;
  tensors: TGgufTensorInfo[];
  /** Byte offset where tensor data starts (aligned). */
  dataOffset: number;
}

const decoder = new TextDecoder("utf-8", { fatal: false });

class Truncated extends Error {}

class ByteReader {
  pos = 0;
  private view: DataView;
  constructor(private bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  private need(n: number) {
    if (this.pos + n > this.bytes.length) throw new Truncated();
  }
  u8() {
    this.need(1);
    return this.view.getUint8(this.pos++);
  }
  i8() {
    this.need(1);
    return this.view.getInt8(this.pos++);
  }
  u16() {
    this.need(2);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }
  i16() {
    this.need(2);
    const v = this.view.getInt16(this.pos, true);
    this.pos += 2;
    return v;
  }
  u32() {
    this.need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }
  i32() {
    this.need(4);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f32() {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }
  f64() {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }
  u64() {
    this.need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }
  i64() {
    this.need(8);
    const v = this.view.getBigInt64(this.pos, true);
    this.pos += 8;
    return v;
  }
  /** A u64 count that must fit what is left of the input (catches garbage lengths early). */
  count(minBytesEach: number, what: string): number {
    const n = this.u64();
    if (n > BigInt(Number.MAX_SAFE_INTEGER))
      throw validationError(`GGUF ${what} ${n} is not a valid size`, { field: what });
    if (Number(n) * minBytesEach > this.bytes.length - this.pos) throw new Truncated();
    return Number(n);
  }
  string(): string {
    const n = this.count(1, "string length");
    this.need(n);
    const s = decoder.decode(this.bytes.subarray(this.pos, this.pos + n));
    this.pos += n;
    return s;
  }
}

function readScalar(r: ByteReader, type: number, key: string): TGgufParsedValue {
  switch (type) {
    case GgufValueType.UINT8:
      return r.u8();
    case GgufValueType.INT8:
      return r.i8();
    case GgufValueType.UINT16:
      return r.u16();
    case GgufValueType.INT16:
      return r.i16();
    case GgufValueType.UINT32:
      return r.u32();
    case GgufValueType.INT32:
      return r.i32();
    case GgufValueType.FLOAT32:
      return r.f32();
    case GgufValueType.FLOAT64:
      return r.f64();
    case GgufValueType.BOOL:
      return r.u8() !== 0;
    case GgufValueType.STRING:
      return r.string();
    case GgufValueType.UINT64:
      return r.u64();
    case GgufValueType.INT64:
      return r.i64();
    default:
      throw validationError(`GGUF key ${key} has unknown value type ${type}`, { field: key });
  }
}

/**
 * Reads the GGUF header. `bytes` may be just a prefix of the file; if it is too short, the error
 * says so (`details.truncated = true`) so a caller can retry with more bytes.
 */
export function parseGgufHeader(bytes: Uint8Array): TGgufHeader {
  const r = new ByteReader(bytes);
  try {
    if (bytes.length < 4 || r.u32() !== GGUF_MAGIC)
      throw validationError('not a GGUF file (bad magic; expected "GGUF")', { field: "magic" });
    const version = r.u32();
    if (version < 2 || version > 3)
      throw validationError(`unsupported GGUF version ${version} (expected 2 or 3)`, { field: "version" });
    const tensorCount = r.count(8 + 4 + 4 + 8, "tensor count");
    const kvCount = r.count(8 + 4, "metadata count");
    const metadata = new Map<string, TGgufParsedValue>();
    const types = new Map<string, { type: GgufValueType; itemType?: GgufValueType }>();
    for (let i = 0; i < kvCount; i++) {
      const key = r.string();
      const type = r.u32();
      if (type === GgufValueType.ARRAY) {
        const itemType = r.u32();
        if (itemType === GgufValueType.ARRAY)
          throw validationError(`GGUF key ${key}: nested arrays are not supported`, { field: key });
        const n = r.count(1, `${key} length`);
        const items: TGgufParsedValue[] = new Array(n);
        for (let j = 0; j < n; j++) items[j] = readScalar(r, itemType, key);
        metadata.set(key, items);
        types.set(key, { type, itemType });
      } else {
        metadata.set(key, readScalar(r, type, key));
        types.set(key, { type });
      }
    }
    const alignValue = metadata.get("general.alignment");
    const alignment = typeof alignValue === "number" ? alignValue : GGUF_DEFAULT_ALIGNMENT;
    if (!Number.isInteger(alignment) || alignment <= 0 || alignment % 8 !== 0)
      throw validationError(`general.alignment must be a positive multiple of 8, got ${alignment}`, {
        field: "general.alignment",
      });
    const tensors: TGgufTensorInfo[] = [];
    for (let i = 0; i < tensorCount; i++) {
      const name = r.string();
      const nDims = r.u32();
      if (nDims < 1 || nDims > 4)
        throw validationError(`tensor ${name} has ${nDims} dimensions (1–4 allowed)`, { field: name });
      const dims: number[] = [];
      for (let d = 0; d < nDims; d++) dims.push(Number(r.u64()));
      const type = r.u32();
      const offset = Number(r.u64());
      if (offset % alignment !== 0)
        throw validationError(`tensor ${name} offset ${offset} is not aligned to ${alignment}`, {
          field: name,
        });
      tensors.push({ name, dims, type, offset });
    }
    const dataOffset = Math.ceil(r.pos / alignment) * alignment;
    return { version, alignment, metadata, types, tensors, dataOffset };
  } catch (e) {
    if (e instanceof Truncated)
      throw validationError(`GGUF header is truncated after ${bytes.length} bytes`, {
        field: "file",
        truncated: true,
      });
    throw e;
  }
}
