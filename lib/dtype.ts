// dtype.ts — dtype names, ids shared with C++ (csrc/core/dtype.h), sizes, typed-array mapping and
// PyTorch's type promotion, decided once here. Not here: conversion kernels (the native `copy` op).

/** The element types a tensor can hold. `float32` is the default. */
export type DType = 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int32' | 'int64' | 'uint8' | 'bool';

/** Every dtype, in id order. @example nt.DTYPES.includes('bfloat16') // true */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'float16', 'bfloat16', 'int32', 'int64', 'uint8', 'bool'];

// NOTE: equal to enum nt_dtype in csrc/core/dtype.h.
export const DTYPE_ID: Readonly<Record<DType, number>> = {
  float32: 0, float64: 1, float16: 2, bfloat16: 3, int32: 4, int64: 5, uint8: 6, bool: 7,
};

export const ITEMSIZE: readonly number[] = [4, 8, 2, 2, 4, 8, 1, 1];

/** The TypedArray that `data()` / `dataSync()` return for each dtype (16-bit floats are widened to float32; int64 is a BigInt64Array; bool is 0/1 bytes). */
export type DataTypeMap = {
  float32: Float32Array; float64: Float64Array; float16: Float32Array; bfloat16: Float32Array;
  int32: Int32Array; int64: BigInt64Array; uint8: Uint8Array; bool: Uint8Array;
};

export type TypedArray = Float32Array | Float64Array | Uint16Array | Int32Array | BigInt64Array | Uint8Array;

type TACtor = { new (n: number): TypedArray; new (buf: ArrayBufferLike, off: number, n: number): TypedArray };
export const ARRAY_CTOR: readonly TACtor[] = [
  Float32Array, Float64Array, Uint16Array, Uint16Array, Int32Array, BigInt64Array, Uint8Array, Uint8Array,
] as unknown as TACtor[];

/** 0 = bool, 1 = integer, 2 = floating. */
export const CATEGORY: readonly number[] = [2, 2, 2, 2, 1, 1, 1, 0];

export function isFloating(dt: DType): boolean { return CATEGORY[DTYPE_ID[dt]] === 2; }

/** Throws unless `dt` is a known dtype name; returns it typed. */
export function checkDType(dt: unknown, where: string): DType {
  if (typeof dt === 'string' && dt in DTYPE_ID) return dt as DType;
  throw new TypeError(`${where}: unknown dtype ${JSON.stringify(dt)}; expected one of ${DTYPES.join(', ')}`);
}

// torch.promote_types over our dtypes, by id. Row/col order = DTYPES.
const f32 = 0, f64 = 1, f16 = 2, bf16 = 3, i32 = 4, i64 = 5, u8 = 6, b = 7;
const PROMOTE: number[][] = [
  //        f32  f64  f16  bf16 i32  i64  u8   bool
  /*f32*/  [f32, f64, f32, f32, f32, f32, f32, f32],
  /*f64*/  [f64, f64, f64, f64, f64, f64, f64, f64],
  /*f16*/  [f32, f64, f16, f32, f16, f16, f16, f16],
  /*bf16*/ [f32, f64, f32, bf16, bf16, bf16, bf16, bf16],
  /*i32*/  [f32, f64, f16, bf16, i32, i64, i32, i32],
  /*i64*/  [f32, f64, f16, bf16, i64, i64, i64, i64],
  /*u8*/   [f32, f64, f16, bf16, i32, i64, u8, u8],
  /*bool*/ [f32, f64, f16, bf16, i32, i64, u8, b],
];

/** torch.promote_types for two dtype ids. */
export function promoteIds(a: number, c: number): number { return PROMOTE[a][c]; }

/** torch.promote_types. @example nt.promoteTypes('int32', 'float16') // 'float16' */
export function promoteTypes(a: DType, c: DType): DType {
  return DTYPES[PROMOTE[DTYPE_ID[checkDType(a, 'promoteTypes')]][DTYPE_ID[checkDType(c, 'promoteTypes')]]];
}

// torch's combine_categories(higher, lower) for our (complex-free) dtypes; -1 = undefined.
function combine(higher: number, lower: number): number {
  if (higher >= 0 && CATEGORY[higher] === 2) return higher;
  if (higher === b || (lower >= 0 && CATEGORY[lower] === 2)) return higher < 0 ? lower : lower < 0 ? higher : PROMOTE[higher][lower];
  if (higher >= 0) return higher;
  return lower;
}

/**
 * Result dtype id of an elementwise op over tensors and JS scalars, exactly as torch.result_type:
 * dimensioned tensors decide within a category; 0-d tensors and scalars only raise the category
 * (an int tensor times 2.5 is float32, a float16 tensor plus 1.5 stays float16).
 */
export function resultTypeIds(dimIds: number[], zeroDimIds: number[], scalars: (number | boolean)[], defaultFloat = f32): number {
  let dim = -1, zero = -1, wrapped = -1;
  for (const d of dimIds) dim = dim < 0 ? d : PROMOTE[dim][d];
  for (const d of zeroDimIds) zero = zero < 0 ? d : PROMOTE[zero][d];
  for (const s of scalars) {
    const d = typeof s === 'boolean' ? b : Number.isInteger(s) ? i64 : defaultFloat;
    wrapped = wrapped < 0 ? d : PROMOTE[wrapped][d];
  }
  return combine(dim, combine(zero, wrapped));
}
