// functional-attention.ts — scaledDotProductAttention (PyTorch 2's F.scaled_dot_product_attention) and
// multiHeadAttentionForward (PyTorch 1.13's F.multi_head_attention_forward, which nn.MultiheadAttention
// runs, plus PyTorch 2's isCausal hint). Both take the fused attention op when it applies (no mask or
// only a causal one, no active dropout, a backend with the kernel) and otherwise the composite of
// matmul/softmax/masking. Not here: the fused op (lib/ops/attention.ts), the module and its
// parameters (layers-attention.ts).
import { tidy } from '../memory';
import { attentionBatch, causalMask, fusedAttention, fusedAttentionAvailable } from '../ops/attention';
import { cat, zeros } from '../ops/creation';
import { Tensor } from '../tensor';
import { checkFloat, checkTensor, fmtShape } from './_util';
import { dropout, linear } from './functional-basic';

/**
 * softmax(q kᵀ · scale + mask) v over the last two dims (PyTorch 2 semantics). `attnMask`: a bool mask
 * where TRUE means "may attend", or a float mask added to the scores; `isCausal` hides future keys
 * (query i sees keys j <= i). `scale` defaults to 1/√(head dim); `dropoutP` applies dropout to the
 * attention weights. Leading (batch) dims broadcast. Without a mask (or with isCausal only) and
 * without dropout, a backend with the fused kernel computes it without the [L, S] score matrix.
 * @example
 * const q = nt.randn([2, 4, 5, 8]), k = nt.randn([2, 4, 6, 8]), v = nt.randn([2, 4, 6, 8]);
 * nt.nn.functional.scaledDotProductAttention(q, k, v).shape; // [2, 4, 5, 8]
 */
export function scaledDotProductAttention(query: Tensor, key: Tensor, value: Tensor, opts?: {
  attnMask?: Tensor | null; dropoutP?: number; isCausal?: boolean; scale?: number | null;
}): Tensor {
  const op = 'scaledDotProductAttention';
  checkTensor(query, op, 'query'); checkTensor(key, op, 'key'); checkTensor(value, op, 'value');
  checkFloat(query, op, 'query');
  if (query.ndim < 2 || key.ndim < 2 || value.ndim < 2) throw new RangeError(`${op}: query, key and value need at least 2 dimensions, got ${fmtShape(query.shape)}, ${fmtShape(key.shape)}, ${fmtShape(value.shape)}`);
  if (key._dt !== query._dt || value._dt !== query._dt) throw new TypeError(`${op}: expected query, key and value to have the same dtype, got query ${query.dtype}, key ${key.dtype} and value ${value.dtype}`);
  const key0 = query._storage!.rec.key;
  if (key._storage!.rec.key !== key0 || value._storage!.rec.key !== key0) throw new Error(`${op}: expected query, key and value on the same device, got query on ${query.device}, key on ${key.device} and value on ${value.device}`);
  const E = query.shape[query.ndim - 1];
  if (key.shape[key.ndim - 1] !== E) throw new RangeError(`${op}: query and key must have the same last dimension, got ${fmtShape(query.shape)} and ${fmtShape(key.shape)}`);
  if (key.shape[key.ndim - 2] !== value.shape[value.ndim - 2]) throw new RangeError(`${op}: key and value must have the same sequence length (dim -2), got ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`);
  const mask = opts?.attnMask ?? null;
  if (opts?.isCausal && mask) throw new Error(`${op}: pass either attnMask or isCausal, not both`);
  const L = query.shape[query.ndim - 2], S = key.shape[key.ndim - 2];
  const scale = opts?.scale ?? 1 / Math.sqrt(E);
  const p = opts?.dropoutP ?? 0;
  const batch = attentionBatch(query, key, value, op);
  // (Empty batches and zero-width heads stay on the composite: nothing to fuse.)
  if (mask === null && !(p > 0) && L >= 1 && S >= 1 && E >= 1 && value.shape[value.ndim - 1] >= 1 && !batch.includes(0) && fusedAttentionAvailable(key0, query._dt, E, value.shape[value.ndim - 1])) {
    return fusedAttention(query, key, value, scale, opts?.isCausal === true, batch);
  }
  return tidy(() => {
    let s = query.matmul(key.transpose(-2, -1)).mul(scale);
    if (opts?.isCausal) s = s.maskedFill(causalMask(L, S, query.device), -Infinity);
    if (mask) {
      checkTensor(mask, op, 'attnMask');
      if (mask.dtype === 'bool') s = s.maskedFill(mask.logicalNot(), -Infinity);
      else s = s.add(mask);
    }
    let w = s.softmax(-1);
    if (p > 0) w = dropout(w, p, true);
    return w.matmul(value);
  });
}

/** Options of multiHeadAttentionForward (PyTorch's argument names in camelCase). @example const o: nt.nn.functional.MHAOptions = { inProjWeight: nt.randn([24, 8]), outProjWeight: nt.randn([8, 8]), needWeights: false }; */
export interface MHAOptions {
  inProjWeight?: Tensor | null; inProjBias?: Tensor | null;
  qProjWeight?: Tensor | null; kProjWeight?: Tensor | null; vProjWeight?: Tensor | null;
  biasK?: Tensor | null; biasV?: Tensor | null; addZeroAttn?: boolean;
  dropoutP?: number; outProjWeight: Tensor; outProjBias?: Tensor | null; training?: boolean;
  keyPaddingMask?: Tensor | null; needWeights?: boolean; attnMask?: Tensor | null; averageAttnWeights?: boolean;
  /** PyTorch 2's hint that attnMask is the causal mask: with needWeights false and no keyPaddingMask the
   *  mask is not read and the (fused, when available) causal attention runs instead. */
  isCausal?: boolean;
}

/** @internal turns a mask into a function applied to [N, H, L, S] scores (bool: true = hidden). */
function applyMask(s: Tensor, m: Tensor): Tensor { return m.dtype === 'bool' ? s.maskedFill(m, -Infinity) : s.add(m); }

/**
 * Multi-head attention on sequence-first input (`query [L, N, E]`, `key/value [S, N, E*]`, or unbatched
 * `[L, E]`), as PyTorch 1.13's F.multi_head_attention_forward. Masks: bool (true = NOT allowed) or
 * float (added). Returns `[output [L, N, E], weights [N, L, S] (averaged over heads) | null]`.
 * @example
 * const E = 8, x = nt.randn([5, 2, E]);
 * const [y, w] = nt.nn.functional.multiHeadAttentionForward(x, x, x, E, 2, {
 *   inProjWeight: nt.randn([3 * E, E]), outProjWeight: nt.randn([E, E]) });
 * console.log(y.shape, w!.shape); // [5, 2, 8] [2, 5, 5]
 */
export function multiHeadAttentionForward(query: Tensor, key: Tensor, value: Tensor, embedDim: number, numHeads: number, o: MHAOptions, op = 'multiHeadAttentionForward'): [Tensor, Tensor | null] {
  checkTensor(query, op, 'query'); checkTensor(key, op, 'key'); checkTensor(value, op, 'value');
  checkFloat(query, op, 'query');
  const batched = query.ndim === 3;
  if (query.ndim !== 3 && query.ndim !== 2) throw new RangeError(`${op}: expected query of shape [L, N, E] (batched) or [L, E] (unbatched), got ${fmtShape(query.shape)}`);
  if (key.ndim !== query.ndim || value.ndim !== query.ndim) throw new RangeError(`${op}: key and value must have ${query.ndim} dimensions like the query (${fmtShape(query.shape)}), got ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`);
  const E = query.shape[query.ndim - 1];
  if (E !== embedDim) throw new RangeError(`${op}: expected query with embedding dimension ${embedDim} (last dim), got shape ${fmtShape(query.shape)}`);
  if (embedDim % numHeads !== 0) throw new RangeError(`${op}: embedDim ${embedDim} not divisible by numHeads ${numHeads}`);
  if (key.shape[0] !== value.shape[0] || (batched && key.shape[1] !== value.shape[1])) throw new RangeError(`${op}: key's sequence and batch dims ${fmtShape(key.shape.slice(0, -1))} do not match value's ${fmtShape(value.shape.slice(0, -1))}`);
  if (batched && key.shape[1] !== query.shape[1]) throw new RangeError(`${op}: key batch size ${key.shape[1]} does not match the query's ${query.shape[1]}`);
  const kpm0 = o.keyPaddingMask ?? null, am0 = o.attnMask ?? null;
  if (o.isCausal && !am0) throw new Error(`${op}: isCausal is a hint that attnMask is the causal mask; pass the mask too (as PyTorch requires)`);
  if (kpm0) {
    checkTensor(kpm0, op, 'keyPaddingMask');
    if (kpm0.dtype !== 'bool' && !['float32', 'float64', 'float16', 'bfloat16'].includes(kpm0.dtype)) throw new TypeError(`${op}: only bool and floating types of keyPaddingMask are supported, got ${kpm0.dtype}`);
  }
  const H = numHeads, hd = embedDim / numHeads;
  return tidy(() => {
    const q3 = batched ? query : query.unsqueeze(1), k3 = batched ? key : key.unsqueeze(1), v3 = batched ? value : value.unsqueeze(1);
    let kpm = kpm0 && !batched ? kpm0.unsqueeze(0) : kpm0;
    const L = q3.shape[0], N = q3.shape[1];
    let S = k3.shape[0];
    // In-projection.
    let q: Tensor, k: Tensor, v: Tensor;
    const b = o.inProjBias ?? null;
    const bq = b ? b.narrow(0, 0, E) : null, bk = b ? b.narrow(0, E, E) : null, bv = b ? b.narrow(0, 2 * E, E) : null;
    if (o.inProjWeight) {
      const W = o.inProjWeight;
      if (W.ndim !== 2 || W.shape[0] !== 3 * E || W.shape[1] !== E) throw new RangeError(`${op}: expected inProjWeight of shape [${3 * E}, ${E}], got ${fmtShape(W.shape)}`);
      if (key.shape[key.ndim - 1] !== E || value.shape[value.ndim - 1] !== E) throw new RangeError(`${op}: key and value must have embedding dimension ${E} with a packed inProjWeight, got ${fmtShape(key.shape)} and ${fmtShape(value.shape)}`);
      if (query === key && key === value) {
        [q, k, v] = linear(q3, W, b, op).chunk(3, -1);
      } else {
        q = linear(q3, W.narrow(0, 0, E), bq, op);
        k = linear(k3, W.narrow(0, E, E), bk, op);
        v = linear(v3, W.narrow(0, 2 * E, E), bv, op);
      }
    } else {
      if (!o.qProjWeight || !o.kProjWeight || !o.vProjWeight) throw new Error(`${op}: give inProjWeight, or all of qProjWeight, kProjWeight and vProjWeight`);
      q = linear(q3, o.qProjWeight, bq, op); k = linear(k3, o.kProjWeight, bk, op); v = linear(v3, o.vProjWeight, bv, op);
    }
    // Masks: attnMask [L, S] or [N*H, L, S] → broadcastable to [N, H, L, S].
    let am: Tensor | null = null;
    if (am0) {
      checkTensor(am0, op, 'attnMask');
      if (am0.dtype === 'uint8') am = am0.bool();
      else if (am0.dtype !== 'bool' && !['float32', 'float64', 'float16', 'bfloat16'].includes(am0.dtype)) throw new TypeError(`${op}: only float, byte and bool attnMask are supported, got ${am0.dtype}`);
      else am = am0;
      if (am.ndim === 2) {
        if (am.shape[0] !== L || am.shape[1] !== S) throw new RangeError(`${op}: the shape of the 2-D attnMask is ${fmtShape(am.shape)}, but should be [${L}, ${S}]`);
      } else if (am.ndim === 3) {
        if (am.shape[0] !== N * H || am.shape[1] !== L || am.shape[2] !== S) throw new RangeError(`${op}: the shape of the 3-D attnMask is ${fmtShape(am.shape)}, but should be [${N * H}, ${L}, ${S}]`);
        am = am.reshape([N, H, L, S]);
      } else throw new RangeError(`${op}: attnMask's dimension ${am.ndim} is not supported (2 or 3)`);
    }
    const padLast = (m: Tensor): Tensor => {
      const s = m.shape.slice(); s[s.length - 1] = 1;
      return cat([m, zeros(s, { dtype: m.dtype, device: m.device })], -1);
    };
    if (o.biasK && o.biasV) {
      k = cat([k, o.biasK.expand([1, N, E])]);
      v = cat([v, o.biasV.expand([1, N, E])]);
      if (am) am = padLast(am);
      if (kpm) kpm = padLast(kpm);
    } else if (o.biasK || o.biasV) throw new Error(`${op}: biasK and biasV must be given together`);
    // [T, N, E] → [N, H, T, hd]
    const heads = (t: Tensor): Tensor => t.reshape([t.shape[0], N, H, hd]).permute([1, 2, 0, 3]);
    let qh = heads(q), kh = heads(k), vh = heads(v);
    if (o.addZeroAttn) {
      kh = cat([kh, zeros([N, H, 1, hd], { dtype: kh.dtype, device: kh.device })], 2);
      vh = cat([vh, zeros([N, H, 1, hd], { dtype: vh.dtype, device: vh.device })], 2);
      if (am) am = padLast(am);
      if (kpm) kpm = padLast(kpm);
    }
    S = kh.shape[2];
    if (kpm && (kpm.ndim !== 2 || kpm.shape[0] !== N || kpm.shape[1] !== S)) throw new RangeError(`${op}: expecting keyPaddingMask of shape [${N}, ${S}], but got ${fmtShape(kpm.shape)}`);
    const p = o.dropoutP ?? 0, dropping = p > 0 && (o.training ?? true);
    // The fused op: no weights to return, no padding mask, no mask or a causal one (the hint; not with
    // the extra bias/zero keys, whose columns the mask was padded for), no dropout.
    const causal = o.isCausal === true && !o.biasK && !o.addZeroAttn;
    if (!(o.needWeights ?? true) && !kpm && (am === null || causal) && !dropping && L >= 1 && S >= 1 && N >= 1 && fusedAttentionAvailable(qh._storage!.rec.key, qh._dt, hd, vh.shape[3])) {
      const ctx = fusedAttention(qh, kh, vh, 1 / Math.sqrt(hd), causal).permute([2, 0, 1, 3]).reshape([L, N, E]);
      const out = linear(ctx, o.outProjWeight, o.outProjBias ?? null, op);
      return [batched ? out : out.squeeze(1), null] as [Tensor, Tensor | null];
    }
    qh = qh.div(Math.sqrt(hd));
    let s = qh.matmul(kh.transpose(-2, -1));  // [N, H, L, S]
    if (am && am.dtype !== 'bool') s = s.add(am);
    if (kpm) s = applyMask(s, kpm.reshape([N, 1, 1, S]));
    if (am && am.dtype === 'bool') s = applyMask(s, am);
    let w = s.softmax(-1);
    if (dropping) w = dropout(w, p, true);
    const ctx = w.matmul(vh).permute([2, 0, 1, 3]).reshape([L, N, E]);
    let out = linear(ctx, o.outProjWeight, o.outProjBias ?? null, op);
    let weights: Tensor | null = null;
    if (o.needWeights ?? true) {
      weights = (o.averageAttnWeights ?? true) ? w.sum(1).div(H) : w;
      if (!batched) weights = weights.squeeze(0);
    }
    if (!batched) out = out.squeeze(1);
    return [out, weights] as [Tensor, Tensor | null];
  });
}
