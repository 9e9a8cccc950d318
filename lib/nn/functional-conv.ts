// functional-conv.ts — convolution and pooling as composites: im2col is ONE indexSelect of the
// (flattened, pad-slot-extended) input with an int32 index built once per geometry and cached; a
// convolution is then a (grouped, batch-broadcast) matmul, max pooling an argmax + gather, average
// pooling a sum and a divide. Gradients come from indexSelect/gather/matmul's own rules.
// Not here: the modules (layers-conv.ts) or non-zero padding modes (functional-basic.ts's pad).
import { keep, tidy } from '../memory';
import { cat, full, tensor } from '../ops/creation';
import { Tensor } from '../tensor';
import { checkFloat, checkTensor, fmtShape, ntuple, sameDevice } from './_util';
import { pad as padFn } from './functional-basic';

/** One cached im2col geometry: which flat input position (or the pad slot H*W) each (k, l) reads. */
interface Plan { idx: Tensor; usesPad: boolean; div: Tensor | null }
const PLANS = new Map<string, Plan>();
const MAX_PLANS = 64;

interface Geo { H: number; W: number; kh: number; kw: number; sh: number; sw: number; pt: number; pl: number; dh: number; dw: number; Ho: number; Wo: number }

/** @internal the cached index (and, for average pooling, divisor) of a geometry. */
function planFor(g: Geo, device: string, avg: { includePad: boolean; override: number | null; dtype: string } | null): Plan {
  const key = `${device}|${g.H},${g.W},${g.kh},${g.kw},${g.sh},${g.sw},${g.pt},${g.pl},${g.dh},${g.dw},${g.Ho},${g.Wo}${avg ? `|${avg.includePad},${avg.override},${avg.dtype}` : ''}`;
  const hit = PLANS.get(key);
  if (hit) { PLANS.delete(key); PLANS.set(key, hit); return hit; }
  const { H, W, kh, kw, sh, sw, pt, pl, dh, dw, Ho, Wo } = g;
  const L = Ho * Wo, padSlot = H * W;
  const idx = new Int32Array(kh * kw * L);
  let usesPad = false, at = 0;
  for (let ki = 0; ki < kh; ki++) for (let kj = 0; kj < kw; kj++) {
    for (let oi = 0; oi < Ho; oi++) {
      const h = oi * sh - pt + ki * dh;
      for (let oj = 0; oj < Wo; oj++) {
        const w = oj * sw - pl + kj * dw;
        if (h >= 0 && h < H && w >= 0 && w < W) idx[at++] = h * W + w;
        else { idx[at++] = padSlot; usesPad = true; }
      }
    }
  }
  let div: Tensor | null = null;
  if (avg) {
    const d = new Float64Array(L);
    for (let oi = 0; oi < Ho; oi++) for (let oj = 0; oj < Wo; oj++) {
      let h0 = oi * sh - pt, w0 = oj * sw - pl;
      let h1 = Math.min(h0 + kh, H + pt), w1 = Math.min(w0 + kw, W + pl);  // PyTorch's rule
      const poolSize = (h1 - h0) * (w1 - w0);
      h0 = Math.max(h0, 0); w0 = Math.max(w0, 0); h1 = Math.min(h1, H); w1 = Math.min(w1, W);
      d[oi * Wo + oj] = avg.override ?? (avg.includePad ? poolSize : (h1 - h0) * (w1 - w0));
    }
    div = keep(tensor(d, { dtype: avg.dtype as 'float32', device }));
  }
  const plan: Plan = { idx: keep(tensor(idx, { device })), usesPad, div };
  PLANS.set(key, plan);
  if (PLANS.size > MAX_PLANS) {
    const [oldKey, old] = PLANS.entries().next().value as [string, Plan];
    PLANS.delete(oldKey);
    old.idx.dispose(); old.div?.dispose();
  }
  return plan;
}

/** @internal [N, C, H, W] → [N, C, kh*kw, Ho*Wo], out-of-range positions reading `padValue`. */
function im2col(x: Tensor, g: Geo, plan: Plan, padValue: number): Tensor {
  const [N, C] = x.shape;
  const flat = x.reshape([N, C, g.H * g.W]);
  const src = plan.usesPad ? cat([flat, full([N, C, 1], padValue, { dtype: x.dtype, device: x.device })], 2) : flat;
  return src.indexSelect(2, plan.idx).reshape([N, C, g.kh * g.kw, g.Ho * g.Wo]);
}

function outSize(n: number, k: number, p: number, s: number, d: number, ceil: boolean, padEnd = p): number {
  const span = n + p + padEnd - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= n + p) o--;  // the last window must start inside the input or left padding
  return o;
}

/** Options of conv1d/conv2d. `padding` may be 'valid' (none) or 'same' (stride 1 only). @example const o: nt.nn.functional.ConvOptions = { stride: 2, padding: [1, 0], groups: 1 }; */
export interface ConvOptions { stride?: number | number[]; padding?: number | number[] | 'same' | 'valid'; dilation?: number | number[]; groups?: number }

/** @internal shared by conv1d and conv2d (conv1d runs as a conv2d with a height-1 kernel). */
function convNd(input: Tensor, weight: Tensor, bias: Tensor | null | undefined, opts: ConvOptions | undefined, nd: 1 | 2, op: string): Tensor {
  checkTensor(input, op); checkTensor(weight, op, 'weight'); checkFloat(input, op);
  if (input.ndim !== nd + 1 && input.ndim !== nd + 2) throw new RangeError(`${op}: expected ${nd + 1}-D (unbatched) or ${nd + 2}-D (batched) input, got shape ${fmtShape(input.shape)}`);
  if (weight.ndim !== nd + 2) throw new RangeError(`${op}: expected a ${nd + 2}-D weight [out_channels, in_channels/groups, ${nd === 1 ? 'kW' : 'kH, kW'}], got shape ${fmtShape(weight.shape)}`);
  if (input.dtype !== weight.dtype) throw new TypeError(`${op}: input dtype ${input.dtype} does not match the weight's dtype ${weight.dtype}`);
  sameDevice(input, weight, op, 'weight');
  const groups = opts?.groups ?? 1;
  if (!Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${groups}`);
  const batched = input.ndim === nd + 2;
  const C = input.shape[batched ? 1 : 0], O = weight.shape[0], Cg = weight.shape[1];
  if (Cg * groups !== C) throw new RangeError(`${op}: given groups=${groups}, weight of size ${fmtShape(weight.shape)}, expected input ${fmtShape(input.shape)} to have ${Cg * groups} channels, but got ${C} channels instead`);
  if (O % groups !== 0) throw new RangeError(`${op}: out_channels (${O}) must be divisible by groups (${groups})`);
  if (bias && (bias.ndim !== 1 || bias.shape[0] !== O)) throw new RangeError(`${op}: expected bias of shape [${O}], got ${fmtShape(bias.shape)}`);
  const ks = weight.shape.slice(2);
  const stride = ntuple(opts?.stride ?? 1, nd, op, 'stride', 1), dil = ntuple(opts?.dilation ?? 1, nd, op, 'dilation', 1);
  const p = opts?.padding ?? 0;
  let padLo: number[], padHi: number[];
  if (p === 'valid') { padLo = new Array(nd).fill(0); padHi = padLo; }
  else if (p === 'same') {
    if (stride.some((s) => s !== 1)) throw new RangeError(`${op}: padding='same' is not supported for strided convolutions`);
    const tot = ks.map((k, i) => dil[i] * (k - 1));
    padLo = tot.map((t) => Math.floor(t / 2)); padHi = tot.map((t, i) => t - padLo[i]);
  } else if (typeof p === 'string') throw new TypeError(`${op}: padding must be a number, a list, 'same' or 'valid', got ${JSON.stringify(p)}`);
  else { padLo = ntuple(p, nd, op, 'padding', 0); padHi = padLo; }
  // As 2-D: a height-1 kernel for conv1d.
  const k2 = nd === 1 ? [1, ks[0]] : ks, s2 = nd === 1 ? [1, stride[0]] : stride, d2 = nd === 1 ? [1, dil[0]] : dil;
  const lo2 = nd === 1 ? [0, padLo[0]] : padLo, hi2 = nd === 1 ? [0, padHi[0]] : padHi;
  const sp = input.shape.slice(batched ? 2 : 1);
  const H = nd === 1 ? 1 : sp[0], W = sp[nd - 1];
  const Ho = outSize(H, k2[0], lo2[0], s2[0], d2[0], false, hi2[0]), Wo = outSize(W, k2[1], lo2[1], s2[1], d2[1], false, hi2[1]);
  if (Ho < 1 || Wo < 1) throw new RangeError(`${op}: calculated output size ${nd === 1 ? `[${Wo}]` : `[${Ho}, ${Wo}]`} is too small (input ${fmtShape(input.shape)}, kernel ${fmtShape(ks)}, padding ${fmtShape(padLo)}, dilation ${fmtShape(dil)})`);
  const g: Geo = { H, W, kh: k2[0], kw: k2[1], sh: s2[0], sw: s2[1], pt: lo2[0], pl: lo2[1], dh: d2[0], dw: d2[1], Ho, Wo };
  const plan = planFor(g, input.device, null);
  return tidy(() => {
    const x4 = input.reshape([batched ? input.shape[0] : 1, C, H, W]);
    const N = x4.shape[0], K = g.kh * g.kw, L = Ho * Wo;
    const cols = im2col(x4, g, plan, 0).reshape([N, groups, Cg * K, L]);
    let y = weight.reshape([groups, O / groups, Cg * K]).matmul(cols);  // [N, G, O/G, L]
    if (bias) y = y.add(bias.reshape([1, groups, O / groups, 1]));
    const spatial = nd === 1 ? [Wo] : [Ho, Wo];
    return y.reshape(batched ? [N, O, ...spatial] : [O, ...spatial]);
  });
}

/**
 * 2-D convolution (cross-correlation, as PyTorch) of `[N, C, H, W]` (or `[C, H, W]`) input with a
 * `[O, C/groups, kH, kW]` weight.
 * @example
 * const y = nt.nn.functional.conv2d(nt.randn([1, 3, 8, 8]), nt.randn([4, 3, 3, 3]), null, { padding: 1 }); // [1, 4, 8, 8]
 */
export function conv2d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor { return convNd(input, weight, bias, opts, 2, 'conv2d'); }
/**
 * 1-D convolution of `[N, C, L]` (or `[C, L]`) input with a `[O, C/groups, k]` weight.
 * @example
 * const y = nt.nn.functional.conv1d(nt.randn([2, 3, 10]), nt.randn([5, 3, 3]), null, { stride: 2 }); // [2, 5, 4]
 */
export function conv1d(input: Tensor, weight: Tensor, bias?: Tensor | null, opts?: ConvOptions): Tensor { return convNd(input, weight, bias, opts, 1, 'conv1d'); }

/** Options of the 2-D pooling functions (`stride` defaults to the kernel size). @example const o: nt.nn.functional.PoolOptions = { stride: 2, padding: 1, ceilMode: true }; */
export interface PoolOptions { stride?: number | number[] | null; padding?: number | number[]; dilation?: number | number[]; ceilMode?: boolean }

function poolSetup(input: Tensor, kernelSize: number | number[], opts: PoolOptions | undefined, op: string, dilated: boolean): { g: Geo; batched: boolean } {
  checkTensor(input, op); checkFloat(input, op);
  if (input.ndim !== 3 && input.ndim !== 4) throw new RangeError(`${op}: expected 3-D (unbatched) or 4-D (batched) input, got shape ${fmtShape(input.shape)}`);
  const k = ntuple(kernelSize, 2, op, 'kernelSize', 1);
  const s = opts?.stride == null || (Array.isArray(opts.stride) && opts.stride.length === 0) ? k : ntuple(opts.stride, 2, op, 'stride', 1);
  const p = ntuple(opts?.padding ?? 0, 2, op, 'padding', 0);
  const d = dilated ? ntuple(opts?.dilation ?? 1, 2, op, 'dilation', 1) : [1, 1];
  for (let i = 0; i < 2; i++) if (p[i] > Math.floor(k[i] / 2)) throw new RangeError(`${op}: padding should be at most half of the kernel size, but got padding=${fmtShape(p)} and kernelSize=${fmtShape(k)}`);
  const [H, W] = input.shape.slice(-2);
  const ceil = opts?.ceilMode ?? false;
  const Ho = outSize(H, k[0], p[0], s[0], d[0], ceil), Wo = outSize(W, k[1], p[1], s[1], d[1], ceil);
  if (Ho < 1 || Wo < 1) throw new RangeError(`${op}: output size [${Ho}, ${Wo}] is too small for input ${fmtShape(input.shape)} and kernel ${fmtShape(k)}`);
  return { g: { H, W, kh: k[0], kw: k[1], sh: s[0], sw: s[1], pt: p[0], pl: p[1], dh: d[0], dw: d[1], Ho, Wo }, batched: input.ndim === 4 };
}

/**
 * 2-D max pooling over `[N, C, H, W]` (or `[C, H, W]`); padding counts as -inf. With
 * `returnIndices`, also the flat `h * W + w` index of each max (int64), as PyTorch.
 * @example
 * nt.nn.functional.maxPool2d(nt.arange(16).float().reshape([1, 1, 4, 4]), 2); // [[[[5, 7], [13, 15]]]]
 */
export function maxPool2d(input: Tensor, kernelSize: number | number[], opts?: PoolOptions & { returnIndices?: false }): Tensor;
export function maxPool2d(input: Tensor, kernelSize: number | number[], opts: PoolOptions & { returnIndices: true }): [Tensor, Tensor];
export function maxPool2d(input: Tensor, kernelSize: number | number[], opts?: PoolOptions & { returnIndices?: boolean }): Tensor | [Tensor, Tensor] {
  const { g, batched } = poolSetup(input, kernelSize, opts, 'maxPool2d', true);
  const plan = planFor(g, input.device, null);
  return tidy(() => {
    const x4 = batched ? input : input.unsqueeze(0);
    const [N, C] = x4.shape, K = g.kh * g.kw, L = g.Ho * g.Wo;
    const cols = im2col(x4, g, plan, -Infinity);
    const am = cols.argmax(2, true);  // first max in window order, as PyTorch
    const shape = batched ? [N, C, g.Ho, g.Wo] : [C, g.Ho, g.Wo];
    const out = cols.gather(2, am).reshape(shape);
    if (!opts?.returnIndices) return out;
    const pos = plan.idx.long().reshape([1, 1, K, L]).expand([N, C, K, L]);
    return [out, pos.gather(2, am).reshape(shape)] as [Tensor, Tensor];
  });
}

/**
 * 2-D average pooling over `[N, C, H, W]` (or `[C, H, W]`). `countIncludePad` (default true) counts
 * zero padding in the divisor; `divisorOverride` replaces it.
 * @example
 * nt.nn.functional.avgPool2d(nt.arange(16).float().reshape([1, 1, 4, 4]), 2); // [[[[2.5, 4.5], [10.5, 12.5]]]]
 */
export function avgPool2d(input: Tensor, kernelSize: number | number[], opts?: Omit<PoolOptions, 'dilation'> & { countIncludePad?: boolean; divisorOverride?: number | null }): Tensor {
  const { g, batched } = poolSetup(input, kernelSize, opts, 'avgPool2d', false);
  const ov = opts?.divisorOverride ?? null;
  if (ov !== null && (typeof ov !== 'number' || ov === 0)) throw new RangeError(`avgPool2d: divisorOverride must be a non-zero number, got ${ov}`);
  const plan = planFor(g, input.device, { includePad: opts?.countIncludePad ?? true, override: ov, dtype: input.dtype });
  return tidy(() => {
    const x4 = batched ? input : input.unsqueeze(0);
    const [N, C] = x4.shape;
    const s = im2col(x4, g, plan, 0).sum(2).div(plan.div!);
    return s.reshape(batched ? [N, C, g.Ho, g.Wo] : [C, g.Ho, g.Wo]);
  });
}

/** @internal pads for the non-zero padding modes of Conv modules, then convolves with padding 0. */
export function convWithMode(input: Tensor, weight: Tensor, bias: Tensor | null, opts: ConvOptions, mode: 'reflect' | 'replicate' | 'circular', padLo: number[], padHi: number[], nd: 1 | 2): Tensor {
  const p: number[] = [];
  for (let i = nd - 1; i >= 0; i--) p.push(padLo[i], padHi[i]);
  return tidy(() => convNd(padFn(input, p, mode), weight, bias, { ...opts, padding: 0 }, nd, nd === 1 ? 'conv1d' : 'conv2d'));
}
