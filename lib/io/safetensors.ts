// safetensors.ts — the safetensors format (https://github.com/huggingface/safetensors): save/load for
// files, streamed one bounded chunk at a time; serialize/deserialize for bytes; loadMetadata; and the
// header validation they share (hostile files fail with `safetensors: <file>: ...`, never read out of
// bounds). Not here: nested state dicts (keys are flat strings; dotted names are ordinary keys).
//
// Layout: u64 little-endian header length N, N bytes of JSON padded with spaces to a multiple of 8,
// then the data section: every tensor's bytes, row-major, little-endian, covering it without holes.
import * as fs from 'fs';
import * as os from 'os';
import { CATEGORY, DTYPE_ID, DType, ITEMSIZE, checkDType } from '../dtype';
import { parseDevice } from '../device';
import { emptyTensor, readInto, readIntoAsync, settled } from '../dispatch';
import { MAX_DIMS, native } from '../native';
import { castTo } from '../ops/convert';
import { Tensor } from '../tensor';

/** safetensors dtype names, by nodetensor dtype id. */
const ST_NAMES = ['F32', 'F64', 'F16', 'BF16', 'I32', 'I64', 'U8', 'BOOL'];
const ST_ID: Record<string, number> = Object.fromEntries(ST_NAMES.map((n, i) => [n, i]));
// Write order of the reference implementation: dtypes by descending rank (I64 F64 F32 I32 BF16 F16
// U8 BOOL: every tensor starts aligned to its item size), then names bytewise.
const RANK = [2, 1, 5, 4, 3, 0, 6, 7];
const BOOL = 7;
const HEADER_CAP = 100_000_000;  // as the reference implementation
const CHUNK = 1 << 24;           // host staging per read/write: 16 MiB

interface Entry { name: string; dt: number; shape: number[]; begin: number; end: number }
interface Header { entries: Entry[]; metadata: Record<string, string> }
interface Item { name: string; t: Tensor; begin: number; end: number }
/** Options of load and deserialize. */
export interface LoadOptions {
  /** Device the tensors are created on ('cpu' by default). */
  device?: string;
  /** Converts the floating-point tensors to this floating-point dtype; integer and bool tensors keep theirs (as PyTorch's `module.to(dtype)`). */
  dtype?: DType;
}
/** Options of save and serialize. */
export interface SaveOptions { /** Free-form string metadata, stored as the header's `__metadata__`. */ metadata?: Record<string, string> }

function fail(src: string, msg: string): never { throw new Error(`safetensors: ${src}: ${msg}`); }
const q = (s: string): string => JSON.stringify(s);
function show(v: unknown): string {
  const s = v === undefined ? 'undefined' : JSON.stringify(v);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
function kind(v: unknown): string { return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v; }
const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isIndex = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
/** Sets an own enumerable property, so that names such as `__proto__` are ordinary keys. */
function put<T>(rec: Record<string, T>, k: string, v: T): void {
  Object.defineProperty(rec, k, { value: v, enumerable: true, writable: true, configurable: true });
}
function littleEndian(where: string): void {
  if (os.endianness() !== 'LE') throw new Error(`safetensors: ${where}: only little-endian hosts are supported`);
}

// ---------------------------------------------------------------- reading the header

/** The first key that occurs twice in one object of (valid) JSON text, or null. */
function duplicateKey(s: string): string | null {
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 34 /* " */) {
      let j = i + 1;
      while (s.charCodeAt(j) !== 34) j += s.charCodeAt(j) === 92 /* \ */ ? 2 : 1;
      const keys = stack[stack.length - 1];
      if (expectKey && keys) {
        const k = JSON.parse(s.slice(i, j + 1)) as string;
        if (keys.has(k)) return k;
        keys.add(k);
        expectKey = false;
      }
      i = j;
    } else if (c === 123 /* { */) { stack.push(new Set()); expectKey = true; }
    else if (c === 91 /* [ */) stack.push(null);
    else if (c === 125 || c === 93 /* } ] */) stack.pop();
    else if (c === 44 /* , */) expectKey = stack[stack.length - 1] !== null;
  }
  return null;
}

/** The header length from the first 8 bytes, checked against the cap and the total size. */
function headerLength(first8: Uint8Array, size: number, src: string): number {
  if (size < 8) fail(src, `${size} bytes is too short: the file must start with an 8-byte header length`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(HEADER_CAP)) fail(src, `header length ${n} exceeds the ${HEADER_CAP}-byte limit (corrupt or not a safetensors file)`);
  if (8 + Number(n) > size) fail(src, `header length ${n} runs past the end of the data (${size} bytes in all)`);
  return Number(n);
}

function parseMetadata(v: unknown, src: string): Record<string, string> {
  if (!isObj(v)) fail(src, `__metadata__ must be an object of strings, got ${kind(v)}`);
  const out: Record<string, string> = {};
  for (const [k, s] of Object.entries(v)) {
    if (typeof s !== 'string') fail(src, `__metadata__ value ${q(k)} must be a string, got ${kind(s)} ${show(s)}`);
    put(out, k, s);
  }
  return out;
}

/** Parses and validates the whole header against a data section of dataLen bytes. */
function parseHeader(raw: Uint8Array, dataLen: number, src: string): Header {
  let text = '', obj: unknown;
  try { text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(raw); } catch { fail(src, 'the header is not valid UTF-8'); }
  try { obj = JSON.parse(text); } catch (e) { fail(src, `the header is not valid JSON (${(e as Error).message})`); }
  if (!isObj(obj)) fail(src, `the header must be a JSON object, got ${kind(obj)}`);
  const dup = duplicateKey(text);
  if (dup !== null) fail(src, `the header has the key ${q(dup)} more than once`);
  const entries: Entry[] = [];
  let metadata: Record<string, string> = {};
  for (const [name, v] of Object.entries(obj)) {
    if (name === '__metadata__') { metadata = parseMetadata(v, src); continue; }
    const at = `tensor ${q(name)}`;
    if (name === '') fail(src, 'a tensor has an empty name');
    if (!isObj(v)) fail(src, `${at}: expected an object {dtype, shape, data_offsets}, got ${kind(v)}`);
    for (const k of Object.keys(v)) if (k !== 'dtype' && k !== 'shape' && k !== 'data_offsets') fail(src, `${at}: unexpected field ${q(k)} (expected dtype, shape, data_offsets)`);
    const dt = typeof v.dtype === 'string' && Object.hasOwn(ST_ID, v.dtype) ? ST_ID[v.dtype] : -1;
    if (dt < 0) fail(src, `${at}: dtype ${show(v.dtype)} is not supported; nodetensor reads ${ST_NAMES.join(', ')}`);
    const shape = v.shape, off = v.data_offsets;
    if (!Array.isArray(shape) || !shape.every(isIndex)) fail(src, `${at}: shape must be an array of non-negative integers, got ${show(shape)}`);
    if (shape.length > MAX_DIMS) fail(src, `${at}: ${shape.length} dimensions; nodetensor supports at most ${MAX_DIMS}`);
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isIndex)) fail(src, `${at}: data_offsets must be [begin, end], two non-negative integers, got ${show(off)}`);
    const [begin, end] = off as number[];
    if (begin > end) fail(src, `${at}: data_offsets [${begin}, ${end}] begin after they end`);
    if (end > dataLen) fail(src, `${at}: data_offsets [${begin}, ${end}] run past the end of the data section (${dataLen} bytes)`);
    const numel = shape.includes(0) ? 0 : shape.reduce((a: number, b: number) => a * b, 1);
    const want = numel * ITEMSIZE[dt];
    if (want !== end - begin) fail(src, `${at}: shape ${show(shape)} of ${ST_NAMES[dt]} needs ${want} bytes but data_offsets [${begin}, ${end}] hold ${end - begin}`);
    entries.push({ name, dt, shape: shape.slice(), begin, end });
  }
  // The byte ranges must tile the data section exactly: no overlap, no hole, nothing left over.
  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0, prev: Entry | null = null;
  for (const e of entries) {
    if (e.begin < pos) fail(src, `tensor ${q(e.name)}: data_offsets [${e.begin}, ${e.end}] overlap tensor ${q(prev!.name)} [${prev!.begin}, ${prev!.end}]`);
    if (e.begin > pos) fail(src, `bytes [${pos}, ${e.begin}) of the data section belong to no tensor (a hole before tensor ${q(e.name)})`);
    pos = e.end; prev = e;
  }
  if (pos !== dataLen) fail(src, `bytes [${pos}, ${dataLen}) at the end of the data section belong to no tensor`);
  return { entries, metadata };
}

function loadOptions(opts: LoadOptions | undefined, where: string): { key: number; name: string; cast: number } {
  if (opts !== undefined && !isObj(opts)) throw new TypeError(`safetensors: ${where}: options must be an object, got ${kind(opts)}`);
  const d = opts?.device === undefined ? { key: 0, name: 'cpu' } : parseDevice(opts.device, `safetensors: ${where}`);
  let cast = -1;
  if (opts?.dtype !== undefined) {
    cast = DTYPE_ID[checkDType(opts.dtype, `safetensors: ${where}`)];
    if (CATEGORY[cast] !== 2) throw new TypeError(`safetensors: ${where}: dtype must be floating-point (it converts the floating-point tensors), got ${opts.dtype}`);
  }
  return { ...d, cast };
}

const CPU = { key: 0, name: 'cpu' };
const casts = (e: Entry, o: { cast: number }): boolean => o.cast >= 0 && CATEGORY[e.dt] === 2 && o.cast !== e.dt;

/** Uninitialised storage for entry e: on the target device, or on the CPU when a cast follows (its kernels are complete). */
function alloc(e: Entry, o: { key: number; name: string; cast: number }): Tensor {
  const home = casts(e, o) ? CPU : o;
  const t = emptyTensor(e.shape, e.dt, home.key, home.name);
  settled();
  return t;
}

/** t (filled by alloc's caller) cast and moved as the options ask; t is consumed, also on error. */
function finish(t: Tensor, e: Entry, o: { key: number; name: string; cast: number }): Tensor {
  try {
    if (casts(e, o)) { const c = castTo(t, o.cast); t.dispose(); t = c; }
    if (t.device !== o.name) { const m = t.to(o.name); t.dispose(); t = m; }
    return t;
  } catch (err) {
    t.dispose();
    throw err;
  }
}

/** Host bytes into a tensor's storage at a byte offset (bool bytes are normalised to 0/1). */
function writeAt(t: Tensor, byteOffset: number, src: Uint8Array): void {
  if (t._dt === BOOL) for (let i = 0; i < src.length; i++) if (src[i] > 1) src[i] = 1;
  const rec = t._storage!.rec;
  native.write(rec.key, rec.ptr, byteOffset, src, !rec.recycled);
}

async function readFull(fh: fs.promises.FileHandle, dst: Uint8Array, position: number, src: string, what: string): Promise<void> {
  for (let got = 0; got < dst.length;) {
    const { bytesRead } = await fh.read(dst, got, dst.length - got, position + got);
    if (bytesRead === 0) fail(src, `the file ended while reading ${what} (was it truncated while being read?)`);
    got += bytesRead;
  }
}

async function openHeader(fh: fs.promises.FileHandle, file: string): Promise<Header & { dataStart: number }> {
  const { size } = await fh.stat();
  const first = new Uint8Array(8);
  if (size >= 8) await readFull(fh, first, 0, file, 'the header length');
  const n = headerLength(first, size, file);
  const raw = new Uint8Array(n);
  await readFull(fh, raw, 8, file, 'the header');
  return { ...parseHeader(raw, size - 8 - n, file), dataStart: 8 + n };
}

/**
 * Loads every tensor of a safetensors file. The file is never read whole: the header first, then each
 * tensor's bytes in bounded chunks straight into its storage.
 * @example
 * await nt.save({ 'layer.weight': nt.randn([4, 3]) }, '/tmp/model.safetensors');
 * const sd = await nt.load('/tmp/model.safetensors', { dtype: 'bfloat16' });
 * console.log(sd['layer.weight'].shape, sd['layer.weight'].dtype); // [4, 3] 'bfloat16'
 */
export async function load(file: string, opts?: LoadOptions): Promise<Record<string, Tensor>> {
  littleEndian('load');
  const o = loadOptions(opts, 'load');
  const fh = await fs.promises.open(file, 'r');
  const out: Record<string, Tensor> = {};
  try {
    const { entries, dataStart } = await openHeader(fh, file);
    const biggest = entries.reduce((m, e) => Math.max(m, e.end - e.begin), 0);
    const buf = new Uint8Array(Math.min(CHUNK, biggest));
    for (const e of entries) {
      const t = alloc(e, o);
      try {
        for (let at = e.begin; at < e.end; at += CHUNK) {
          const view = buf.subarray(0, Math.min(CHUNK, e.end - at));
          await readFull(fh, view, dataStart + at, file, `tensor ${q(e.name)}`);
          writeAt(t, at - e.begin, view);
        }
      } catch (err) {
        t.dispose();
        throw err;
      }
      put(out, e.name, finish(t, e, o));
    }
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  } finally {
    await fh.close();
  }
  return out;
}

/**
 * The `__metadata__` strings of a safetensors file (`{}` when it has none), read from the header only;
 * the whole header is validated.
 * @example
 * await nt.save({ w: nt.ones([2]) }, '/tmp/m.safetensors', { metadata: { format: 'pt', step: '100' } });
 * console.log(await nt.loadMetadata('/tmp/m.safetensors')); // { format: 'pt', step: '100' }
 */
export async function loadMetadata(file: string): Promise<Record<string, string>> {
  const fh = await fs.promises.open(file, 'r');
  try { return (await openHeader(fh, file)).metadata; } finally { await fh.close(); }
}

/**
 * Tensors from safetensors bytes (e.g. a file already in memory, or an HTTP body). Only `bytes`'s own
 * view is read (a subarray of a larger buffer is fine).
 * @example
 * const bytes = nt.serialize({ a: nt.arange(3) });
 * console.log(nt.deserialize(bytes).a.toArray()); // [0, 1, 2]
 */
export function deserialize(bytes: Uint8Array | ArrayBuffer, opts?: LoadOptions): Record<string, Tensor> {
  littleEndian('deserialize');
  const src = 'bytes';
  const b = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(b instanceof Uint8Array)) throw new TypeError(`safetensors: deserialize: expected a Uint8Array or ArrayBuffer, got ${kind(bytes)}`);
  const o = loadOptions(opts, 'deserialize');
  const n = headerLength(b, b.length, src);
  const { entries } = parseHeader(b.subarray(8, 8 + n), b.length - 8 - n, src);
  const out: Record<string, Tensor> = {};
  try {
    for (const e of entries) {
      let data = b.subarray(8 + n + e.begin, 8 + n + e.end);
      if (e.dt === BOOL && data.some((v) => v > 1)) data = data.slice();  // normalised in a copy
      const t = alloc(e, o);
      try { if (data.length) writeAt(t, 0, data); } catch (err) { t.dispose(); throw err; }
      put(out, e.name, finish(t, e, o));
    }
  } catch (err) {
    for (const t of Object.values(out)) t.dispose();
    throw err;
  }
  return out;
}

// ---------------------------------------------------------------- writing

/** The header bytes (length prefix included) and each tensor's byte range, in write order. */
function plan(tensors: Record<string, Tensor>, opts: SaveOptions | undefined, where: string): { header: Uint8Array; items: Item[]; total: number } {
  if (!isObj(tensors) || tensors instanceof Tensor) throw new TypeError(`safetensors: ${where}: expected a record of name → Tensor, got ${tensors instanceof Tensor ? 'a Tensor' : kind(tensors)}`);
  if (opts !== undefined && !isObj(opts)) throw new TypeError(`safetensors: ${where}: options must be an object, got ${kind(opts)}`);
  const items: (Item & { key: Buffer })[] = [];
  for (const [name, t] of Object.entries(tensors)) {
    if (!(t instanceof Tensor)) throw new TypeError(`safetensors: ${where}: ${q(name)} is not a Tensor (got ${kind(t)})`);
    if (t._storage === null) throw new Error(`safetensors: ${where}: tensor ${q(name)} was disposed and can no longer be used`);
    if (name === '' || name === '__metadata__') throw new RangeError(`safetensors: ${where}: ${q(name)} cannot be a tensor name`);
    items.push({ name, t, begin: 0, end: 0, key: Buffer.from(name, 'utf8') });
  }
  items.sort((a, b) => RANK[a.t._dt] - RANK[b.t._dt] || Buffer.compare(a.key, b.key));
  const parts: string[] = [];
  if (opts?.metadata !== undefined) {
    if (!isObj(opts.metadata)) throw new TypeError(`safetensors: ${where}: metadata must be an object of strings, got ${kind(opts.metadata)}`);
    const kv = Object.entries(opts.metadata).map(([k, v]) => {
      if (typeof v !== 'string') throw new TypeError(`safetensors: ${where}: metadata value ${q(k)} must be a string, got ${kind(v)}`);
      return `${q(k)}:${q(v)}`;
    });
    parts.push(`"__metadata__":{${kv.join(',')}}`);
  }
  let total = 0;
  for (const it of items) {
    it.begin = total;
    total = it.end = total + it.t.numel * ITEMSIZE[it.t._dt];
    parts.push(`${q(it.name)}:{"dtype":"${ST_NAMES[it.t._dt]}","shape":[${it.t.shape.join(',')}],"data_offsets":[${it.begin},${it.end}]}`);
  }
  const json = Buffer.from(`{${parts.join(',')}}`, 'utf8');
  const n = Math.ceil(json.length / 8) * 8;
  if (n > HEADER_CAP) throw new RangeError(`safetensors: ${where}: the header would be ${n} bytes, over the ${HEADER_CAP}-byte limit readers enforce`);
  const header = new Uint8Array(8 + n).fill(0x20, 8 + json.length);
  new DataView(header.buffer).setBigUint64(0, BigInt(n), true);
  header.set(json, 8);
  return { header, items, total };
}

/**
 * Writes tensors to a safetensors file (any device and dtype; views are written contiguous). The file is
 * written next to `file` under a temporary name and renamed into place, so an error or a killed process
 * never leaves half a checkpoint. Tensors are staged through two bounded host buffers (16 MiB each),
 * so device reads overlap file writes and memory stays flat however large the checkpoint.
 * @example
 * await nt.save({ 'fc.weight': nt.randn([8, 4]), 'fc.bias': nt.zeros([8]) }, '/tmp/fc.safetensors', { metadata: { format: 'pt' } });
 */
export async function save(tensors: Record<string, Tensor>, file: string, opts?: SaveOptions): Promise<void> {
  littleEndian('save');
  const p = plan(tensors, opts, 'save');
  const tmp = `${file}.${process.pid}.${Date.now().toString(36)}.tmp`;
  const fh = await fs.promises.open(tmp, 'wx');
  try {
    await fh.write(p.header, 0, p.header.length);
    const cap = Math.min(CHUNK, p.items.reduce((m, it) => Math.max(m, it.end - it.begin), 0));
    const bufs = [new Uint8Array(cap), new Uint8Array(cap)];
    let flip = 0, writing: Promise<unknown> = Promise.resolve();
    for (const it of p.items) {
      if (it.end === it.begin) continue;
      if (it.t._storage === null) throw new Error(`safetensors: save: tensor ${q(it.name)} was disposed while it was being saved`);
      const src = it.t.isContiguous() ? it.t : it.t.contiguous();
      try {
        const isz = ITEMSIZE[src._dt], per = Math.floor(cap / isz), numel = src.numel;
        for (let e0 = 0; e0 < numel; e0 += per) {
          const view = bufs[flip].subarray(0, Math.min(per, numel - e0) * isz);
          await readIntoAsync(src, src.offset + e0, view);
          await writing;
          writing = writeAll(fh, view);
          writing.catch(() => undefined);  // awaited above on the next chunk or below
          flip ^= 1;
        }
      } finally {
        if (src !== it.t) src.dispose();
      }
    }
    await writing;
    await fh.close();  // no fsync, as the reference and torch.save: durability across power loss is the OS's
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fs.promises.rm(tmp, { force: true });
    throw err;
  }
  try { await fs.promises.rename(tmp, file); } catch (err) { await fs.promises.rm(tmp, { force: true }); throw err; }
}

async function writeAll(fh: fs.promises.FileHandle, b: Uint8Array): Promise<void> {
  for (let done = 0; done < b.length;) done += (await fh.write(b, done, b.length - done)).bytesWritten;
}

/**
 * The safetensors bytes of a record of tensors (synchronous: waits for the devices). Byte-for-byte what
 * `save` writes, and what the Python `safetensors` library writes for the same tensors and metadata.
 * @example
 * const bytes = nt.serialize({ w: nt.ones([2, 2]) }, { metadata: { note: 'hi' } });
 * console.log(bytes.length); // 112: the 8-byte length, 88 header bytes, 16 data bytes
 */
export function serialize(tensors: Record<string, Tensor>, opts?: SaveOptions): Uint8Array {
  littleEndian('serialize');
  const p = plan(tensors, opts, 'serialize');
  const h = p.header.length;
  const out = new Uint8Array(h + p.total);
  out.set(p.header);
  for (const it of p.items) {
    if (it.end === it.begin) continue;
    const src = it.t.isContiguous() ? it.t : it.t.contiguous();
    try { readInto(src, src.offset, out.subarray(h + it.begin, h + it.end)); } finally { if (src !== it.t) src.dispose(); }
  }
  return out;
}
