// safetensors.test.ts — nt.save/load/serialize/deserialize/loadMetadata: round trips of every dtype
// (views, 0-d, empty, dotted and odd names), the exact byte layout (header, padding, order, offsets),
// load options (dtype, device), large tensors (chunked I/O), atomic saves, and one test per kind of
// malformed or hostile input, each through bytes AND a file. Not here: PyTorch interop
// (safetensors-torch.test.ts).
import test from 'tape';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as nt from '../../lib';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nt-safetensors-'));
test.onFinish(() => fs.rmSync(dir, { recursive: true, force: true }));
let fileNo = 0;
const tmp = (name = 'x'): string => path.join(dir, `${fileNo++}-${name}.safetensors`);
const vals = (x: nt.Tensor): unknown[] => Array.from(x.dataSync() as ArrayLike<number | bigint>, (v) => (typeof v === 'bigint' ? v.toString() : Object.is(v, -0) ? '-0' : Number.isNaN(v) ? 'NaN' : v));
const f16bits = new Uint16Array([0x0000, 0x8000, 0x3c00, 0xc000, 0x7c00, 0xfc00, 0x7e00, 0x0001, 0x7bff, 0x3555]);
const bf16bits = new Uint16Array([0x0000, 0x8000, 0x3f80, 0xc000, 0x7f80, 0xff80, 0x7fc0, 0x0001, 0x7f7f, 0x3eab]);

/** One tensor of every dtype, with edge values. */
function everyDtype(): Record<string, nt.Tensor> {
  return {
    f32: nt.tensor(new Float32Array([0, -0, 1.5, -2.25, Infinity, -Infinity, NaN, 3.4e38, 1e-45, 1 / 3]), { shape: [2, 5] }),
    f64: nt.tensor(new Float64Array([Math.PI, -0, 1e308, 5e-324, NaN, -Infinity]), { shape: [3, 2] }),
    f16: nt.tensor(f16bits, { dtype: 'float16', shape: [10] }),
    bf16: nt.tensor(bf16bits, { dtype: 'bfloat16', shape: [5, 2] }),
    i32: nt.tensor(new Int32Array([-(2 ** 31), 2 ** 31 - 1, 0, -1]), { shape: [2, 2] }),
    i64: nt.tensor(new BigInt64Array([-(2n ** 63n), 2n ** 63n - 1n, 0n, 12345678901234567n]), { shape: [4] }),
    u8: nt.tensor(new Uint8Array([0, 1, 127, 128, 255]), { shape: [5] }),
    bool: nt.tensor([[true, false, true], [false, false, true]]),
  };
}

/** A raw safetensors buffer: header (object or text), data bytes, optional header-length override. */
function raw(header: unknown, data: Uint8Array | number = 0, len?: bigint): Uint8Array {
  const h = Buffer.from(typeof header === 'string' ? header : JSON.stringify(header), 'utf8');
  const d = typeof data === 'number' ? new Uint8Array(data) : data;
  const out = new Uint8Array(8 + h.length + d.length);
  new DataView(out.buffer).setBigUint64(0, len ?? BigInt(h.length), true);
  out.set(h, 8); out.set(d, 8 + h.length);
  return out;
}
/** The header and data section of safetensors bytes, parsed here independently. */
function parse(b: Uint8Array): { n: number; text: string; header: any; data: Uint8Array } {
  const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
  const text = Buffer.from(b.subarray(8, 8 + n)).toString('utf8');
  return { n, text, header: JSON.parse(text), data: b.subarray(8 + n) };
}
const ISZ: Record<string, number> = { I64: 8, F64: 8, F32: 4, I32: 4, BF16: 2, F16: 2, U8: 1, BOOL: 1 };
const mem = (): number => nt.memory().cpu.tensors;

/** Expects `bytes` to be refused with a message matching re, through deserialize and through load. */
async function refused(t: test.Test, bytes: Uint8Array, re: RegExp, what: string): Promise<void> {
  const before = mem();
  t.throws(() => nt.deserialize(bytes), (e: Error) => e instanceof Error && /^safetensors: bytes: /.test(e.message) && re.test(e.message), `deserialize: ${what}`);
  const f = tmp('bad');
  fs.writeFileSync(f, bytes);
  let msg = '(no error)';
  try { await nt.load(f); } catch (e) { msg = (e as Error).message; }
  t.ok(msg.startsWith(`safetensors: ${f}: `) && re.test(msg), `load: ${what} → ${msg}`);
  t.ok(mem() <= before, 'no tensor left behind (the count does not grow; the GC backstop may lower it)');
}

test('round trip: every dtype, bit-exact, through a file and through bytes', async (t) => {
  const src = everyDtype();
  const f = tmp('all');
  await nt.save(src, f);
  const back = await nt.load(f);
  const mem2 = nt.deserialize(nt.serialize(src));
  t.same(Object.keys(back).sort(), Object.keys(src).sort(), 'same names');
  for (const [k, x] of Object.entries(src)) {
    for (const [how, y] of [['load', back[k]], ['deserialize', mem2[k]]] as const) {
      t.equal(y.dtype, x.dtype, `${how} ${k}: dtype ${x.dtype}`);
      t.same(y.shape, x.shape, `${how} ${k}: shape`);
      t.same(vals(y), vals(x), `${how} ${k}: values (NaN, ±0, ±inf, extremes kept)`);
    }
  }
  // 16-bit floats: the exact bits (NaN payloads too) are in the file.
  const { header, data } = parse(fs.readFileSync(f));
  for (const [k, bits] of [['f16', f16bits], ['bf16', bf16bits]] as const) {
    const [b, e] = header[k].data_offsets;
    t.same(Array.from(new Uint16Array(Uint8Array.from(data.subarray(b, e)).buffer)), Array.from(bits), `${k}: the raw bits are written as given`);
  }
  t.same(Array.from(new Uint16Array(nt.serialize({ x: back.bf16 }).slice(-20).buffer)), Array.from(bf16bits), 'bf16 bits survive a load and a re-serialize');
  t.end();
});

test('round trip: views are written contiguous; 0-d, empty and odd names', async (t) => {
  const base = nt.arange(24, undefined, 1, { dtype: 'float32' }).reshape(2, 3, 4);
  const views: Record<string, nt.Tensor> = {
    'model.layers.0.transposed': base.transpose(0, 2),
    'stepped': base.slice(2, 1, 4, 2),
    'narrow.offset': base.select(0, 1).narrow(0, 1, 2),
    'expanded': nt.tensor([1, 2, 3], { dtype: 'int32' }).expand(4, 3),
    'f16.permuted': base.half().permute(2, 0, 1),
    'bf16.t': base.reshape(6, 4).bfloat16().t(),
    'scalar': nt.tensor(7.5),
    'scalar.i64': nt.tensor(-3),
    'empty': nt.zeros([0, 3]),
    'empty.bool': nt.zeros([2, 0], { dtype: 'bool' }),
    ['__proto__']: nt.ones([1]),  // computed: an own key, not the prototype
    'ünïcode ✓ 名前': nt.ones([2], { dtype: 'uint8' }),
  };
  const f = tmp('views');
  await nt.save(views, f);
  for (const back of [await nt.load(f), nt.deserialize(fs.readFileSync(f))]) {
    t.same(Object.keys(back).sort(), Object.keys(views).sort(), 'every name, including __proto__ as an own key');
    for (const [k, x] of Object.entries(views)) {
      const y = back[k];
      // (zero-element tensors: views.isContiguous() reports [2, 0] as non-contiguous even for nt.zeros)
      if (y.numel) t.ok(y.isContiguous(), `${k}: loaded contiguous`);
      t.same([y.dtype, y.shape, vals(y)], [x.dtype, x.shape, vals(x)], `${k}: dtype ${x.dtype}, shape [${x.shape}], values`);
    }
    t.equal(Object.getPrototypeOf(back), Object.prototype, 'the record is a plain object');
  }
  const { header } = parse(fs.readFileSync(f));
  t.same(header.scalar, { dtype: 'F32', shape: [], data_offsets: header.scalar.data_offsets }, '0-d: shape []');
  t.equal(header.empty.data_offsets[0], header.empty.data_offsets[1], 'empty: zero-length range');
  t.equal(vals(base).length, 24, 'the saved views left their base intact');
  t.end();
});

test('layout: header length, JSON, space padding, reference order, tiled offsets', (t) => {
  const one = nt.serialize({ a: nt.tensor([1, 2], { dtype: 'float32' }) });
  const want = '{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}';
  const pad = ' '.repeat((8 - (want.length % 8)) % 8);
  t.same(Array.from(one), Array.from(raw(want + pad, new Uint8Array(new Float32Array([1, 2]).buffer))), 'byte-exact for one tensor (the reference writes the same)');
  const b = nt.serialize(everyDtype(), { metadata: { format: 'pt', 'k"ey': 'v\nal' } });
  const { n, text, header, data } = parse(b);
  t.equal(n % 8, 0, 'header length is a multiple of 8');
  t.ok(/^\{"__metadata__":\{"format":"pt","k\\"ey":"v\\nal"\}/.test(text), '__metadata__ first, strings escaped');
  t.ok(/^[^ ]* *$/.test(text), 'padded with trailing spaces only');
  const order = Object.keys(header).filter((k) => k !== '__metadata__');
  t.same(order, ['i64', 'f64', 'f32', 'i32', 'bf16', 'f16', 'u8', 'bool'], 'tensors in the reference order: I64 F64 F32 I32 BF16 F16 U8 BOOL, then by name');
  let at = 0;
  for (const k of order) {
    const [s, e] = header[k].data_offsets;
    t.equal(s, at, `${k}: starts where the previous ended (${s})`);
    t.equal(s % ISZ[header[k].dtype], 0, `${k}: aligned to its item size`);
    at = e;
  }
  t.equal(at, data.length, 'the offsets cover the data section exactly');
  // The reference implementation's own test vectors (safetensors/src/tensor.rs).
  t.same(Array.from(nt.serialize({})), [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32], 'reference vector: no tensors');
  t.same(Array.from(nt.serialize({}, { metadata: { framework: 'pt' } })), [40, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{"__metadata__":{"framework":"pt"}}     ')], 'reference vector: metadata only');
  const attn0 = nt.serialize({ attn0: nt.arange(6, undefined, 1, { dtype: 'float32' }).reshape(1, 1, 2, 3) });
  t.same(Array.from(attn0), [72, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       '),
    ...new Uint8Array(new Float32Array([0, 1, 2, 3, 4, 5]).buffer)], 'reference vector: forced alignment');
  const names = nt.serialize({ b: nt.ones([1]), a: nt.ones([1]), 'a.b': nt.ones([1]), B: nt.ones([1]) });
  t.same(Object.keys(parse(names).header), ['B', 'a', 'a.b', 'b'], 'same dtype: by name, bytewise');
  t.end();
});

test('save: the file equals serialize(); metadata round trip; atomic replace', async (t) => {
  const x = everyDtype();
  const f = tmp('meta');
  fs.writeFileSync(f, 'old contents');
  await nt.save(x, f, { metadata: { format: 'pt', step: '100' } });
  t.same(Buffer.compare(fs.readFileSync(f), Buffer.from(nt.serialize(x, { metadata: { format: 'pt', step: '100' } }))), 0, 'the file is byte-identical to serialize()');
  t.same(await nt.loadMetadata(f), { format: 'pt', step: '100' }, 'loadMetadata');
  const g = tmp('nometa');
  await nt.save({ a: nt.ones([1]) }, g);
  t.same(await nt.loadMetadata(g), {}, 'loadMetadata: {} without __metadata__');
  t.notOk(parse(fs.readFileSync(g)).text.includes('__metadata__'), 'no __metadata__ key when none was given');
  await nt.save({}, g);
  t.same(Object.keys(await nt.load(g)), [], 'an empty record round-trips');
  const gone = nt.ones([2]); gone.dispose();
  await nt.save({ a: nt.ones([1]) }, f).then(() => nt.save({ a: nt.ones([3]), b: gone }, f)).catch((e: Error) => {
    t.ok(/^safetensors: save: tensor "b" was disposed/.test(e.message), `a disposed tensor: ${e.message}`);
  });
  t.same((await nt.load(f)).a.shape, [1], 'a failed save leaves the previous file intact');
  t.same(fs.readdirSync(dir).filter((n) => n.endsWith('.tmp')), [], 'no temporary files are left behind');
  t.end();
});

test('save/serialize: bad arguments are refused clearly', async (t) => {
  const one = nt.ones([1]);
  const cases: [() => unknown, RegExp, string][] = [
    [() => nt.serialize(one as any), /expected a record of name → Tensor, got a Tensor/, 'a bare tensor'],
    [() => nt.serialize([one] as any), /got an array/, 'an array'],
    [() => nt.serialize({ a: [1, 2] } as any), /"a" is not a Tensor/, 'a non-tensor value'],
    [() => nt.serialize({ __metadata__: one }), /"__metadata__" cannot be a tensor name/, '__metadata__ as a name'],
    [() => nt.serialize({ '': one }), /"" cannot be a tensor name/, 'an empty name'],
    [() => nt.serialize({ a: one }, { metadata: { step: 100 as any } }), /metadata value "step" must be a string, got number/, 'a non-string metadata value'],
    [() => nt.serialize({ a: one }, { metadata: 'x' as any }), /metadata must be an object/, 'metadata not an object'],
  ];
  for (const [fn, re, what] of cases) t.throws(fn, (e: Error) => /^safetensors: serialize: /.test(e.message) && re.test(e.message), what);
  let msg = '';
  await nt.save({ a: 3 as any }, tmp()).catch((e: Error) => { msg = e.message; });
  t.ok(/^safetensors: save: "a" is not a Tensor/.test(msg), `save: ${msg}`);
  t.end();
});

test('load/deserialize options: dtype converts floating tensors only; device', async (t) => {
  const f = tmp('opts');
  await nt.save(everyDtype(), f);
  const h = await nt.load(f, { dtype: 'bfloat16', device: 'cpu' });
  t.same(Object.fromEntries(Object.entries(h).map(([k, v]) => [k, v.dtype])),
    { i64: 'int64', f64: 'bfloat16', f32: 'bfloat16', i32: 'int32', bf16: 'bfloat16', f16: 'bfloat16', u8: 'uint8', bool: 'bool' }, 'dtypes after { dtype: bfloat16 }');
  t.same(vals(h.f32), vals(nt.deserialize(fs.readFileSync(f)).f32.bfloat16()), 'values are those of a cast');
  t.ok(Object.values(h).every((v) => v.device === 'cpu'), 'device cpu');
  const d = nt.deserialize(nt.serialize({ a: nt.tensor([1.5, 2]) }), { dtype: 'float64' });
  t.same([d.a.dtype, d.a.toArray()], ['float64', [1.5, 2]], 'deserialize takes the options too');
  for (const [opts, re] of [[{ dtype: 'int32' }, /dtype must be floating-point/], [{ dtype: 'float8' }, /unknown dtype "float8"/],
    [{ device: 'gpu' }, /unknown device "gpu"/], ['cpu', /options must be an object/]] as const) {
    t.throws(() => nt.deserialize(nt.serialize({}), opts as any), (e: Error) => /^safetensors: deserialize/.test(e.message) && re.test(e.message), `deserialize ${JSON.stringify(opts)}`);
    let msg = '';
    await nt.load(f, opts as any).catch((e: Error) => { msg = e.message; });
    t.ok(/^safetensors: load/.test(msg) && re.test(msg), `load ${JSON.stringify(opts)}: ${msg}`);
  }
  if (nt.backendInfo('cuda').available) {
    const c = await nt.load(f, { device: 'cuda' });
    t.same([c.f32.device, vals(c.f32.cpu()), vals(c.bf16.cpu())], ['cuda:0', vals(everyDtype().f32), vals(everyDtype().bf16)], 'device cuda');
    const cb = await nt.load(f, { device: 'cuda', dtype: 'float16' });
    t.same([cb.f32.device, cb.f32.dtype, vals(cb.f32.cpu())], ['cuda:0', 'float16', vals(everyDtype().f32.half())], 'device cuda with a cast');
  } else {
    t.pass(`device cuda not tested: ${nt.backendInfo('cuda').reason ?? 'not available'}`);
  }
  t.end();
});

test('large tensors: chunked reads and writes (> 16 MiB), in bytes at any offset', async (t) => {
  const n = 5_000_001;  // 20 MB of float32: two chunks and a remainder
  const big = nt.arange(n, undefined, 1, { dtype: 'float32' }).mul(0.5);
  const f = tmp('big');
  await nt.save({ big, small: nt.ones([3], { dtype: 'int64' }) }, f);
  t.equal(fs.statSync(f).size, parse(fs.readFileSync(f)).n + 8 + n * 4 + 24, 'file size');
  const back = await nt.load(f);
  const a = await back.big.data() as Float32Array;
  t.ok(a.length === n && a[0] === 0 && a[n - 1] === (n - 1) * 0.5 && a[4_194_304] === 2_097_152, 'values across chunk borders');
  t.ok(a.every((v, i) => v === i * 0.5), 'every value');
  // bytes embedded at an odd offset of a larger buffer: only the view is read.
  const bytes = nt.serialize({ x: nt.tensor([1, 2, 3], { dtype: 'float64' }) });
  const host = new Uint8Array(bytes.length + 10).fill(0xff);
  host.set(bytes, 3);
  t.same(nt.deserialize(host.subarray(3, 3 + bytes.length)).x.toArray(), [1, 2, 3], 'a subarray at an unaligned offset');
  t.same(nt.deserialize(host.slice(3, 3 + bytes.length).buffer).x.toArray(), [1, 2, 3], 'an ArrayBuffer');
  t.end();
});

test('bool bytes other than 0/1 are read as true', (t) => {
  const b = raw({ m: { dtype: 'BOOL', shape: [4], data_offsets: [0, 4] } }, new Uint8Array([0, 1, 2, 255]));
  const copy = b.slice();
  t.same(nt.deserialize(b).m.toArray(), [false, true, true, true], 'values');
  t.same(nt.deserialize(b).m.sum().item(), 3, 'stored as 0/1 (sum counts 3)');
  t.same(Array.from(b), Array.from(copy), 'the caller\'s bytes are not modified');
  t.end();
});

// ---------------------------------------------------------------- malformed and hostile input

const T = (dtype: string, shape: unknown, off: unknown): unknown => ({ dtype, shape, data_offsets: off });
const HOSTILE: [string, Uint8Array, RegExp][] = [
  ['file shorter than 8 bytes', new Uint8Array([1, 0, 0]), /3 bytes is too short/],
  ['empty file', new Uint8Array(0), /0 bytes is too short/],
  ['header length past the end', raw('{}      ', 0, 9n), /header length 9 runs past the end of the data \(16 bytes/],
  ['header length huge (> 100 MB cap)', raw('{}', 0, 2n ** 40n), /header length 1099511627776 exceeds the 100000000-byte limit/],
  ['header length 2^64-1', raw('{}', 0, 2n ** 64n - 1n), /header length 18446744073709551615 exceeds/],
  ['header not JSON', raw('{"a": '), /the header is not valid JSON/],
  ['header zero-length', raw(''), /the header is not valid JSON/],
  ['header not UTF-8', raw('{ }').map((v, i) => (i === 9 ? 0xff : v)), /not valid UTF-8/],
  ['header with a byte-order mark', raw('\ufeff{}'), /not valid JSON/],
  ['header an array', raw('[]'), /must be a JSON object, got an array/],
  ['header null', raw('null'), /must be a JSON object, got null/],
  ['header a string', raw('"x"'), /must be a JSON object, got string/],
  ['unknown dtype', raw({ a: T('F8_E4M3', [1], [0, 1]) }, 1), /tensor "a": dtype "F8_E4M3" is not supported; nodetensor reads F32, F64, F16, BF16, I32, I64, U8, BOOL/],
  ['lowercase dtype', raw({ a: T('f32', [1], [0, 4]) }, 4), /dtype "f32" is not supported/],
  ['dtype not a string', raw({ a: { dtype: 4, shape: [1], data_offsets: [0, 4] } }, 4), /dtype 4 is not supported/],
  ['dtype inherited name', raw({ a: T('constructor', [1], [0, 4]) }, 4), /dtype "constructor" is not supported/],
  ['shape not an array', raw({ a: T('F32', 4, [0, 16]) }, 16), /tensor "a": shape must be an array of non-negative integers, got 4/],
  ['shape negative', raw({ a: T('F32', [-1], [0, 4]) }, 4), /shape must be an array of non-negative integers, got \[-1\]/],
  ['shape fractional', raw({ a: T('F32', [1.5], [0, 4]) }, 4), /shape must be an array .* got \[1.5\]/],
  ['shape of strings', raw({ a: T('F32', ['2'], [0, 8]) }, 8), /shape must be an array .* got \["2"\]/],
  ['shape beyond 2^53', raw('{"a":{"dtype":"U8","shape":[9007199254740993],"data_offsets":[0,1]}}', 1), /shape must be an array/],
  ['shape with 9 dims', raw({ a: T('U8', [1, 1, 1, 1, 1, 1, 1, 1, 1], [0, 1]) }, 1), /9 dimensions; nodetensor supports at most 8/],
  ['data_offsets missing', raw({ a: { dtype: 'U8', shape: [1] } }, 1), /data_offsets must be \[begin, end\], two non-negative integers, got undefined/],
  ['data_offsets of 3', raw({ a: T('U8', [1], [0, 1, 1]) }, 1), /data_offsets must be \[begin, end\].*got \[0,1,1\]/],
  ['data_offsets negative', raw({ a: T('U8', [1], [-1, 0]) }, 1), /data_offsets must be/],
  ['data_offsets not integers', raw({ a: T('U8', [1], ['0', '1']) }, 1), /data_offsets must be/],
  ['data_offsets begin > end', raw({ a: T('U8', [0], [4, 0]) }, 4), /data_offsets \[4, 0\] begin after they end/],
  ['data_offsets past the data section', raw({ a: T('F32', [4], [0, 16]) }, 8), /data_offsets \[0, 16\] run past the end of the data section \(8 bytes\)/],
  ['data_offsets far past the end', raw({ a: T('U8', [1], [2 ** 50, 2 ** 50 + 1]) }, 1), /run past the end of the data section/],
  ['byte length != numel * itemsize', raw({ a: T('F32', [3], [0, 8]) }, 8), /shape \[3\] of F32 needs 12 bytes but data_offsets \[0, 8\] hold 8/],
  ['huge shape product', raw({ a: T('F64', [2 ** 40, 2 ** 40], [0, 8]) }, 8), /needs \d.* bytes but data_offsets \[0, 8\] hold 8/],
  ['overlapping tensors', raw({ a: T('F32', [2], [0, 8]), b: T('F32', [2], [4, 12]) }, 12), /tensor "b": data_offsets \[4, 12\] overlap tensor "a" \[0, 8\]/],
  ['two tensors on the same bytes', raw({ a: T('F32', [1], [0, 4]), b: T('I32', [1], [0, 4]) }, 4), /overlap tensor "a" \[0, 4\]/],
  ['empty tensor inside another', raw({ a: T('F32', [2], [0, 8]), e: T('F32', [0], [4, 4]) }, 8), /tensor "e": data_offsets \[4, 4\] overlap tensor "a"/],
  ['a hole between tensors', raw({ a: T('F32', [1], [0, 4]), b: T('F32', [1], [8, 12]) }, 12), /bytes \[4, 8\) of the data section belong to no tensor \(a hole before tensor "b"\)/],
  ['a hole at the start', raw({ a: T('F32', [1], [4, 8]) }, 8), /bytes \[0, 4\) .* belong to no tensor/],
  ['unindexed bytes at the end', raw({ a: T('F32', [1], [0, 4]) }, 6), /bytes \[4, 6\) at the end of the data section belong to no tensor/],
  ['data but no tensors', raw({}, 8), /bytes \[0, 8\) at the end/],
  ['duplicate tensor name', raw('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2), /the header has the key "a" more than once/],
  ['duplicate name after escapes', raw('{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"\\u0061":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}', 2), /key "a" more than once/],
  ['duplicate field in a tensor', raw('{"a":{"dtype":"U8","dtype":"F32","shape":[1],"data_offsets":[0,1]}}', 1), /key "dtype" more than once/],
  ['duplicate metadata key', raw('{"__metadata__":{"k":"1","k":"2"}}'), /key "k" more than once/],
  ['unknown field in a tensor', raw({ a: { ...(T('U8', [1], [0, 1]) as object), offsets: 1 } }, 1), /tensor "a": unexpected field "offsets"/],
  ['tensor entry not an object', raw({ a: [1, 2] }), /tensor "a": expected an object \{dtype, shape, data_offsets\}, got an array/],
  ['tensor entry null', raw({ a: null }), /tensor "a": expected an object .* got null/],
  ['empty tensor name', raw({ '': T('U8', [1], [0, 1]) }, 1), /a tensor has an empty name/],
  ['__metadata__ not an object', raw({ __metadata__: ['a'] }), /__metadata__ must be an object of strings, got an array/],
  ['__metadata__ value not a string', raw({ __metadata__: { step: 100 } }), /__metadata__ value "step" must be a string, got number 100/],
  ['__metadata__ value nested', raw({ __metadata__: { cfg: { a: 1 } } }), /__metadata__ value "cfg" must be a string, got object/],
];

for (const [what, bytes, re] of HOSTILE) test(`malformed: ${what}`, (t) => refused(t, bytes, re, what).then(() => t.end()));

test('valid edge cases are accepted: unsorted offsets, empty tensors at borders, JSON whitespace', (t) => {
  const data = new Uint8Array(new Float32Array([1, 2, 3]).buffer);
  const h = '{ "z" : {"dtype":"F32","shape":[1],"data_offsets":[0,4]},\n "a": {"shape":[2],"data_offsets":[4,12],"dtype":"F32"},'
    + ' "e0": {"dtype":"I64","shape":[0,5],"data_offsets":[0,0]}, "e1": {"dtype":"U8","shape":[0],"data_offsets":[12,12]},'
    + ' "__metadata__": {}, "nested": {"dtype":"BOOL","shape":[0],"data_offsets":[4,4]} }\t  ';
  const r = nt.deserialize(raw(h, data));
  t.same([r.z.toArray(), r.a.toArray(), r.e0.shape, r.e1.shape, r.nested.dtype], [[1], [2, 3], [0, 5], [0], 'bool'], 'values and shapes');
  t.same(nt.deserialize(raw('{"x":{"dtype":"U8","shape":[],"data_offsets":[0,1]}}', new Uint8Array([9]))).x.item(), 9, 'a 0-d tensor');
  t.end();
});

test('memory: loaded tensors are ordinary tensors (dispose frees them)', async (t) => {
  const f = tmp('mem');
  await nt.save(everyDtype(), f);
  // Let the GC backstop collect earlier tests' garbage first, so that it cannot change counts below.
  for (let i = 0; i < 3; i++) { (globalThis as { gc?: () => void }).gc?.(); await new Promise((r) => setTimeout(r, 10)); }
  const before = nt.memory().cpu;
  const back = await nt.load(f);
  t.equal(nt.memory().cpu.tensors, before.tensors + 8, 'eight new tensors');
  for (const x of Object.values(back)) x.dispose();
  t.same(nt.memory().cpu, before, 'all freed');
  t.end();
});
