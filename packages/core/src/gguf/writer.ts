// Serializes a GGUF v3 file into memory. Pure: returns bytes; callers decide where they go.

import { float32ToFloat16Bits } from "./f16";
import {
  bytesPerElement,
  GGUF_DEFAULT_ALIGNMENT,
  GGUF_MAGIC,
  GGUF_VERSION,
  GgmlType,
  GgufValueType,
  type TGgufKv,
  type TGgufScalarType,
  type TGgufTensor,
  type TGgufValue,
} from "./types";

const encoder = new TextEncoder();

/** Little-endian append-only buffer that grows by doubling. */
class ByteWriter {
  private buf = new Uint8Array(1 << 16);
  private view = new DataView(this.buf.buffer);
  length = 0;

  private reserve(n: number) {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }
  u8(v: number) {
    this.reserve(1);
    this.view.setUint8(this.length, v);
    this.length += 1;
  }
  i8(v: number) {
    this.reserve(1);
    this.view.setInt8(this.length, v);
    this.length += 1;
  }
  u16(v: number) {
    this.reserve(2);
    this.view.setUint16(this.length, v, true);
    this.length += 2;
  }
  i16(v: number) {
    this.reserve(2);
    this.view.setInt16(this.length, v, true);
    this.length += 2;
  }
  u32(v: number) {
    this.reserve(4);
    this.view.setUint32(this.length, v, true);
    this.length += 4;
  }
  i32(v: number) {
    this.reserve(4);
    this.view.setInt32(this.length, v, true);
    this.length += 4;
  }
  f32(v: number) {
    this.reserve(4);
    this.view.setFloat32(this.length, v, true);
    this.length += 4;
  }
  f64(v: number) {
    this.reserve(8);
    this.view.setFloat64(this.length, v, true);
    this.length += 8;
  }
  u64(v: bigint | number) {
    this.reserve(8);
    this.view.setBigUint64(this.length, BigInt(v), true);
    this.length += 8;
  }
  i64(v: bigint | number) {
    this.reserve(8);
    this.view.setBigInt64(this.length, BigInt(v), true);
    this.length += 8;
  }
  bytes(b: Uint8Array) {
    this.reserve(b.length);
    this.buf.set(b, this.length);
    this.length += b.length;
  }
  string(s: string) {
    const b = encoder.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }
  padTo(alignment: number) {
    const pad = (alignment - (this.length % alignment)) % alignment;
    this.reserve(pad);
    this.length += pad; // the buffer is zero-filled
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function writeScalar(
  w: ByteWriter,
  type: TGgufScalarType,
  v: number | bigint | boolean | string,
  key: string,
) {
  const expect = (kind: string, ok: boolean) => {
    if (!ok)
      throw new TypeError(`GGUF key ${key}: expected ${kind} for ${GgufValueType[type]}, got ${typeof v}`);
  };
  switch (type) {
    case GgufValueType.STRING:
      expect("string", typeof v === "string");
      return w.string(v as string);
    case GgufValueType.BOOL:
      expect("boolean", typeof v === "boolean");
      return w.u8(v ? 1 : 0);
    case GgufValueType.UINT64:
      expect("bigint or integer", typeof v === "bigint" || Number.isInteger(v));
      return w.u64(v as bigint | number);
    case GgufValueType.INT64:
      expect("bigint or integer", typeof v === "bigint" || Number.isInteger(v));
      return w.i64(v as bigint | number);
    default:
      expect("number", typeof v === "number");
  }
  const n = v as number;
  switch (type) {
    case GgufValueType.UINT8:
      return w.u8(n);
    case GgufValueType.INT8:
      return w.i8(n);
    case GgufValueType.UINT16:
      return w.u16(n);
    case GgufValueType.INT16:
      return w.i16(n);
    case GgufValueType.UINT32:
      return w.u32(n);
    case GgufValueType.INT32:
      return w.i32(n);
    case GgufValueType.FLOAT32:
      return w.f32(n);
    case GgufValueType.FLOAT64:
      return w.f64(n);
  }
}

function writeValue(w: ByteWriter, v: TGgufValue, key: string) {
  w.u32(v.type);
  if (v.type === GgufValueType.ARRAY) {
    w.u32(v.itemType);
    w.u64(v.value.length);
    for (const item of v.value) writeScalar(w, v.itemType, item, key);
    return;
  }
  writeScalar(w, v.type, v.value, key);
}

export interface TWriteGgufInput {
  metadata: readonly TGgufKv[];
  tensors: readonly TGgufTensor[];
  /** Defaults to the `general.alignment` entry when present, else 32. */
  alignment?: number;
}

/** Encodes a GGUF v3 file. Keys and tensor names must be unique; tensor data length must match dims. */
export function writeGguf({ metadata, tensors, alignment }: TWriteGgufInput): Uint8Array {
  const alignKv = metadata.find((kv) => kv.key === "general.alignment");
  const align =
    alignment ??
    (alignKv && typeof alignKv.value.value === "number" ? alignKv.value.value : GGUF_DEFAULT_ALIGNMENT);
  if (!Number.isInteger(align) || align <= 0 || align % 8 !== 0)
    throw new RangeError(`alignment must be a positive multiple of 8`);
  const keys = new Set<string>();
  for (const kv of metadata) {
    if (keys.has(kv.key)) throw new Error(`duplicate GGUF key ${kv.key}`);
    keys.add(kv.key);
  }
  const names = new Set<string>();
  for (const t of tensors) {
    if (names.has(t.name)) throw new Error(`duplicate tensor ${t.name}`);
    names.add(t.name);
    const n = t.dims.reduce((a, b) => a * b, 1);
    if (n !== t.data.length)
      throw new Error(`tensor ${t.name}: dims ${t.dims.join("x")} need ${n} values, got ${t.data.length}`);
  }

  const w = new ByteWriter();
  w.u32(GGUF_MAGIC);
  w.u32(GGUF_VERSION);
  w.u64(tensors.length);
  w.u64(metadata.length);
  for (const kv of metadata) {
    w.string(kv.key);
    writeValue(w, kv.value, kv.key);
  }
  let offset = 0;
  const offsets: number[] = [];
  for (const t of tensors) {
    w.string(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.type);
    w.u64(offset);
    offsets.push(offset);
    const size = t.data.length * bytesPerElement(t.type);
    offset += Math.ceil(size / align) * align;
  }
  w.padTo(align);
  const dataStart = w.length;

  const out = new Uint8Array(dataStart + offset);
  out.set(w.result(), 0);
  const view = new DataView(out.buffer);
  tensors.forEach((t, i) => {
    let p = dataStart + (offsets[i] as number);
    if (t.type === GgmlType.F32) {
      for (const x of t.data) {
        view.setFloat32(p, x, true);
        p += 4;
      }
    } else {
      for (const x of t.data) {
        view.setUint16(p, float32ToFloat16Bits(x), true);
        p += 2;
      }
    }
  });
  return out;
}

// Small constructors so metadata tables read like the spec.
export const kv = {
  str: (key: string, value: string): TGgufKv => ({ key, value: { type: GgufValueType.STRING, value } }),
  u32: (key: string, value: number): TGgufKv => ({ key, value: { type: GgufValueType.UINT32, value } }),
  i32: (key: string, value: number): TGgufKv => ({ key, value: { type: GgufValueType.INT32, value } }),
  f32: (key: string, value: number): TGgufKv => ({ key, value: { type: GgufValueType.FLOAT32, value } }),
  bool: (key: string, value: boolean): TGgufKv => ({ key, value: { type: GgufValueType.BOOL, value } }),
  arr: (
    key: string,
    itemType: TGgufScalarType,
    value: readonly (number | bigint | boolean | string)[],
  ): TGgufKv => ({
    key,
    value: { type: GgufValueType.ARRAY, itemType, value },
  }),
};
