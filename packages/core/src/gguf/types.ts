// GGUF v3 on-disk constants (https://github.com/ggml-org/ggml/blob/master/docs/gguf.md).

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_VERSION = 3;
export const GGUF_DEFAULT_ALIGNMENT = 32;

export enum GgufValueType {
  UINT8 = 0,
  INT8 = 1,
  UINT16 = 2,
  INT16 = 3,
  UINT32 = 4,
  INT32 = 5,
  FLOAT32 = 6,
  BOOL = 7,
  STRING = 8,
  ARRAY = 9,
  UINT64 = 10,
  INT64 = 11,
  FLOAT64 = 12,
}

/** The ggml tensor types this writer produces. */
export enum GgmlType {
  F32 = 0,
  F16 = 1,
}

export type TGgufScalarType = Exclude<GgufValueType, GgufValueType.ARRAY>;

export type TGgufValue =
  | {
      type: GgufValueType.UINT8 | GgufValueType.INT8 | GgufValueType.UINT16 | GgufValueType.INT16;
      value: number;
    }
  | {
      type: GgufValueType.UINT32 | GgufValueType.INT32 | GgufValueType.FLOAT32 | GgufValueType.FLOAT64;
      value: number;
    }
  | { type: GgufValueType.UINT64 | GgufValueType.INT64; value: bigint }
  | { type: GgufValueType.BOOL; value: boolean }
  | { type: GgufValueType.STRING; value: string }
  | {
      type: GgufValueType.ARRAY;
      itemType: TGgufScalarType;
      value: readonly (number | bigint | boolean | string)[];
    };

export interface TGgufKv {
  key: string;
  value: TGgufValue;
}

export interface TGgufTensor {
  name: string;
  /** ggml order: dims[0] is the contiguous (row) length, e.g. [n_in, n_out] for a weight matrix. */
  dims: readonly number[];
  type: GgmlType;
  /** Values in row-major ggml order; converted to `type` on write. */
  data: Float32Array;
}

export const bytesPerElement = (type: GgmlType): number => (type === GgmlType.F32 ? 4 : 2);
