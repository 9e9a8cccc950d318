// format.test.ts — formatTensor() against PyTorch's repr(tensor). Every `expected` string in CASES
// was printed by real PyTorch (torch/_tensor_str.py: repr() of the same tensor under the same
// set_printoptions, with `dtype=torch.X` written `dtype=X`; device suffixes, which need a GPU,
// through torch's own _tensor_str/_add_suffixes). Also: summarised printing reads only the printed
// elements, and invalid arguments throw. Not here: Tensor#toString wiring (tensor tests).
import test from 'tape';
import { formatTensor } from '../../lib/format';
import type { DType, FormatOptions } from '../../lib/format';

interface Case {
  name: string;
  values: () => ArrayLike<number | bigint>;
  shape: number[];
  dtype: DType;
  opts?: FormatOptions;
  expected: string;
}

const CASES: Case[] = [
  { name: '0-d integer-valued float32', values: () => [3], shape: [], dtype: 'float32',
    expected: `tensor(3.)` },
  { name: '0-d float32', values: () => [3.14159], shape: [], dtype: 'float32',
    expected: `tensor(3.1416)` },
  { name: '0-d negative zero', values: () => [-0], shape: [], dtype: 'float32',
    expected: `tensor(-0.)` },
  { name: '0-d nan', values: () => [NaN], shape: [], dtype: 'float32',
    expected: `tensor(nan)` },
  { name: '0-d -inf', values: () => [-Infinity], shape: [], dtype: 'float32',
    expected: `tensor(-inf)` },
  { name: '0-d float64', values: () => [2.5], shape: [], dtype: 'float64',
    expected: `tensor(2.5000, dtype=float64)` },
  { name: '0-d tiny float64 (sci)', values: () => [1.5e-7], shape: [], dtype: 'float64',
    expected: `tensor(1.5000e-07, dtype=float64)` },
  { name: '0-d int64', values: () => new BigInt64Array([7n]), shape: [], dtype: 'int64',
    expected: `tensor(7)` },
  { name: '0-d int32', values: () => new Int32Array([-12]), shape: [], dtype: 'int32',
    expected: `tensor(-12, dtype=int32)` },
  { name: '0-d bool', values: () => new Uint8Array([1]), shape: [], dtype: 'bool',
    expected: `tensor(True)` },
  { name: '1-D mixed magnitudes', values: () => [1.5, -2.25, 100.125, 0.001], shape: [4], dtype: 'float32',
    expected: `tensor([ 1.5000e+00, -2.2500e+00,  1.0012e+02,  1.0000e-03])` },
  { name: '1-D fractions', values: () => [0.1, 0.2, 0.3], shape: [3], dtype: 'float32',
    expected: `tensor([0.1000, 0.2000, 0.3000])` },
  { name: '1-D integer-valued floats', values: () => [1, 2, 3], shape: [3], dtype: 'float32',
    expected: `tensor([1., 2., 3.])` },
  { name: '1-D negative integer-valued floats', values: () => [-1, 20, -300], shape: [3], dtype: 'float32',
    expected: `tensor([  -1.,   20., -300.])` },
  { name: '1-D zeros (int mode, width 1)', values: () => [0, 0, 0, 0], shape: [4], dtype: 'float32',
    expected: `tensor([0., 0., 0., 0.])` },
  { name: '1-D negative zero among values', values: () => [-0, 0, 1.5], shape: [3], dtype: 'float32',
    expected: `tensor([-0.0000, 0.0000, 1.5000])` },
  { name: '1-D int64', values: () => new BigInt64Array([-1n, 20n, -300n]), shape: [3], dtype: 'int64',
    expected: `tensor([  -1,   20, -300])` },
  { name: '1-D int64 given as numbers', values: () => [5, 6], shape: [2], dtype: 'int64',
    expected: `tensor([5, 6])` },
  { name: '1-D int64 extremes', values: () => new BigInt64Array([-9223372036854775808n, 9223372036854775807n]), shape: [2], dtype: 'int64',
    expected: `tensor([-9223372036854775808,  9223372036854775807])` },
  { name: '1-D int32 (dtype suffix)', values: () => new Int32Array([1, 2, 3]), shape: [3], dtype: 'int32',
    expected: `tensor([1, 2, 3], dtype=int32)` },
  { name: '1-D uint8', values: () => new Uint8Array([0, 7, 255]), shape: [3], dtype: 'uint8',
    expected: `tensor([  0,   7, 255], dtype=uint8)` },
  { name: '1-D bool', values: () => new Uint8Array([1, 0, 1]), shape: [3], dtype: 'bool',
    expected: `tensor([ True, False,  True])` },
  { name: '1-D float64', values: () => new Float64Array([1.25, -3.5]), shape: [2], dtype: 'float64',
    expected: `tensor([ 1.2500, -3.5000], dtype=float64)` },
  { name: '1-D float16', values: () => [0.0999755859375, 2], shape: [2], dtype: 'float16',
    expected: `tensor([0.1000, 2.0000], dtype=float16)` },
  { name: '1-D bfloat16', values: () => [1, 3], shape: [2], dtype: 'bfloat16',
    expected: `tensor([1., 3.], dtype=bfloat16)` },
  { name: '1-D wraps at linewidth 80', values: () => Array.from({ length: 30 }, (_, i) => i / 4), shape: [30], dtype: 'float32',
    expected: `tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000, 1.2500, 1.5000, 1.7500, 2.0000,
        2.2500, 2.5000, 2.7500, 3.0000, 3.2500, 3.5000, 3.7500, 4.0000, 4.2500,
        4.5000, 4.7500, 5.0000, 5.2500, 5.5000, 5.7500, 6.0000, 6.2500, 6.5000,
        6.7500, 7.0000, 7.2500])` },
  { name: '1-D int64 wraps', values: () => BigInt64Array.from({ length: 40 }, (_, i) => BigInt(i * 1000)), shape: [40], dtype: 'int64',
    expected: `tensor([    0,  1000,  2000,  3000,  4000,  5000,  6000,  7000,  8000,  9000,
        10000, 11000, 12000, 13000, 14000, 15000, 16000, 17000, 18000, 19000,
        20000, 21000, 22000, 23000, 24000, 25000, 26000, 27000, 28000, 29000,
        30000, 31000, 32000, 33000, 34000, 35000, 36000, 37000, 38000, 39000])` },
  { name: 'nan and inf among fractions', values: () => [NaN, Infinity, -Infinity, 1.5], shape: [4], dtype: 'float32',
    expected: `tensor([   nan,    inf,   -inf, 1.5000])` },
  { name: 'nan among integer-valued floats', values: () => [NaN, 1, 2], shape: [3], dtype: 'float32',
    expected: `tensor([nan, 1., 2.])` },
  { name: 'only non-finite', values: () => [Infinity, -Infinity, NaN], shape: [3], dtype: 'float32',
    expected: `tensor([inf, -inf, nan])` },
  { name: 'inf in sci mode', values: () => [Infinity, 1e-5, 1], shape: [3], dtype: 'float32',
    expected: `tensor([       inf, 1.0000e-05, 1.0000e+00])` },
  { name: 'sci: 1e-5 (min < 1e-4)', values: () => [1e-5, 2e-5], shape: [2], dtype: 'float32',
    expected: `tensor([1.0000e-05, 2.0000e-05])` },
  { name: 'sci: ratio > 1000', values: () => [1e-5, 1], shape: [2], dtype: 'float32',
    expected: `tensor([1.0000e-05, 1.0000e+00])` },
  { name: 'sci: 1e10 integer-valued', values: () => [1e10, 1], shape: [2], dtype: 'float32',
    expected: `tensor([1.0000e+10, 1.0000e+00])` },
  { name: 'sci: 1e10 with fraction', values: () => [1e10, 1.5], shape: [2], dtype: 'float32',
    expected: `tensor([1.0000e+10, 1.5000e+00])` },
  { name: 'sci: max > 1e8 alone', values: () => [2e8, 3e8], shape: [2], dtype: 'float32',
    expected: `tensor([2.0000e+08, 3.0000e+08])` },
  { name: 'no sci: ratio exactly 1000', values: () => [1, 1000], shape: [2], dtype: 'float32',
    expected: `tensor([   1., 1000.])` },
  { name: 'no sci: 1e8 integer-valued', values: () => [1e8, 1e8], shape: [2], dtype: 'float32',
    expected: `tensor([100000000., 100000000.])` },
  { name: 'sci float64 negative', values: () => new Float64Array([-1.23456789e-12, 4.5e3]), shape: [2], dtype: 'float64',
    expected: `tensor([-1.2346e-12,  4.5000e+03], dtype=float64)` },
  { name: '2-D float', values: () => [1.5, 2, 3, 4], shape: [2, 2], dtype: 'float32',
    expected: `tensor([[1.5000, 2.0000],
        [3.0000, 4.0000]])` },
  { name: '2-D int64 3x4', values: () => BigInt64Array.from({ length: 12 }, (_, i) => BigInt(i)), shape: [3, 4], dtype: 'int64',
    expected: `tensor([[ 0,  1,  2,  3],
        [ 4,  5,  6,  7],
        [ 8,  9, 10, 11]])` },
  { name: '2-D bool', values: () => new Uint8Array([1, 0, 0, 1]), shape: [2, 2], dtype: 'bool',
    expected: `tensor([[ True, False],
        [False,  True]])` },
  { name: '2-D single column', values: () => [1, -2], shape: [2, 1], dtype: 'float32',
    expected: `tensor([[ 1.],
        [-2.]])` },
  { name: '3-D integer-valued floats 2x3x4', values: () => Array.from({ length: 24 }, (_, i) => i), shape: [2, 3, 4], dtype: 'float32',
    expected: `tensor([[[ 0.,  1.,  2.,  3.],
         [ 4.,  5.,  6.,  7.],
         [ 8.,  9., 10., 11.]],

        [[12., 13., 14., 15.],
         [16., 17., 18., 19.],
         [20., 21., 22., 23.]]])` },
  { name: '3-D fractions 2x2x3', values: () => Array.from({ length: 12 }, (_, i) => (i - 6) / 8), shape: [2, 2, 3], dtype: 'float32',
    expected: `tensor([[[-0.7500, -0.6250, -0.5000],
         [-0.3750, -0.2500, -0.1250]],

        [[ 0.0000,  0.1250,  0.2500],
         [ 0.3750,  0.5000,  0.6250]]])` },
  { name: '4-D 2x1x2x2', values: () => Array.from({ length: 8 }, (_, i) => i), shape: [2, 1, 2, 2], dtype: 'float32',
    expected: `tensor([[[[0., 1.],
          [2., 3.]]],


        [[[4., 5.],
          [6., 7.]]]])` },
  { name: '2-D rows wrap (long rows)', values: () => Array.from({ length: 48 }, (_, i) => Math.fround(i) / 3), shape: [2, 24], dtype: 'float32',
    expected: `tensor([[ 0.0000,  0.3333,  0.6667,  1.0000,  1.3333,  1.6667,  2.0000,  2.3333,
          2.6667,  3.0000,  3.3333,  3.6667,  4.0000,  4.3333,  4.6667,  5.0000,
          5.3333,  5.6667,  6.0000,  6.3333,  6.6667,  7.0000,  7.3333,  7.6667],
        [ 8.0000,  8.3333,  8.6667,  9.0000,  9.3333,  9.6667, 10.0000, 10.3333,
         10.6667, 11.0000, 11.3333, 11.6667, 12.0000, 12.3333, 12.6667, 13.0000,
         13.3333, 13.6667, 14.0000, 14.3333, 14.6667, 15.0000, 15.3333, 15.6667]])` },
  { name: 'summarised 1-D 2000 arange float32 (sci from edge values)', values: () => Float32Array.from({ length: 2000 }, (_, i) => i), shape: [2000], dtype: 'float32',
    expected: `tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,
        1.9990e+03])` },
  { name: 'summarised 1-D 2000 int64', values: () => BigInt64Array.from({ length: 2000 }, (_, i) => BigInt(i)), shape: [2000], dtype: 'int64',
    expected: `tensor([   0,    1,    2,  ..., 1997, 1998, 1999])` },
  { name: 'summarised 1-D 1001 fractions', values: () => Float32Array.from({ length: 1001 }, (_, i) => i / 8), shape: [1001], dtype: 'float32',
    expected: `tensor([  0.0000,   0.1250,   0.2500,  ..., 124.7500, 124.8750, 125.0000])` },
  { name: 'threshold boundary: 6 elements with threshold 6 are not summarised', values: () => Int32Array.from({ length: 6 }, (_, i) => i * 100), shape: [6], dtype: 'int32', opts: { threshold: 6, edgeitems: 1 },
    expected: `tensor([  0, 100, 200, 300, 400, 500], dtype=int32)` },
  { name: 'threshold boundary: 7 elements with threshold 6 are summarised', values: () => Int32Array.from({ length: 7 }, (_, i) => i * 100), shape: [7], dtype: 'int32', opts: { threshold: 6, edgeitems: 1 },
    expected: `tensor([  0,  ..., 600], dtype=int32)` },
  { name: 'summarised 1-D with 2*edgeitems+1 elements', values: () => Float64Array.from({ length: 7 }, (_, i) => i), shape: [7], dtype: 'float64', opts: { threshold: 6 },
    expected: `tensor([0., 1., 2.,  ..., 4., 5., 6.], dtype=float64)` },
  { name: '16M elements 4096x4096 (summarised)', values: () => Float32Array.from({ length: 4096 * 4096 }, (_, i) => i % 7), shape: [4096, 4096], dtype: 'float32',
    expected: `tensor([[0., 1., 2.,  ..., 5., 6., 0.],
        [1., 2., 3.,  ..., 6., 0., 1.],
        [2., 3., 4.,  ..., 0., 1., 2.],
        ...,
        [5., 6., 0.,  ..., 3., 4., 5.],
        [6., 0., 1.,  ..., 4., 5., 6.],
        [0., 1., 2.,  ..., 5., 6., 0.]])` },
  { name: '16M elements 1-D (summarised)', values: () => Float32Array.from({ length: 4096 * 4096 }, (_, i) => (i % 1000) / 8), shape: [16777216], dtype: 'float32',
    expected: `tensor([ 0.0000,  0.1250,  0.2500,  ..., 26.6250, 26.7500, 26.8750])` },
  { name: 'summarised 2-D 100x100', values: () => Float32Array.from({ length: 10000 }, (_, i) => (i - 5000) / 8), shape: [100, 100], dtype: 'float32',
    expected: `tensor([[-625.0000, -624.8750, -624.7500,  ..., -612.8750, -612.7500,
         -612.6250],
        [-612.5000, -612.3750, -612.2500,  ..., -600.3750, -600.2500,
         -600.1250],
        [-600.0000, -599.8750, -599.7500,  ..., -587.8750, -587.7500,
         -587.6250],
        ...,
        [ 587.5000,  587.6250,  587.7500,  ...,  599.6250,  599.7500,
          599.8750],
        [ 600.0000,  600.1250,  600.2500,  ...,  612.1250,  612.2500,
          612.3750],
        [ 612.5000,  612.6250,  612.7500,  ...,  624.6250,  624.7500,
          624.8750]])` },
  { name: 'summarised 2-D 100x100 int32', values: () => Int32Array.from({ length: 10000 }, (_, i) => i), shape: [100, 100], dtype: 'int32',
    expected: `tensor([[   0,    1,    2,  ...,   97,   98,   99],
        [ 100,  101,  102,  ...,  197,  198,  199],
        [ 200,  201,  202,  ...,  297,  298,  299],
        ...,
        [9700, 9701, 9702,  ..., 9797, 9798, 9799],
        [9800, 9801, 9802,  ..., 9897, 9898, 9899],
        [9900, 9901, 9902,  ..., 9997, 9998, 9999]], dtype=int32)` },
  { name: 'summarised 2-D 2x1000 (only columns cut)', values: () => Float32Array.from({ length: 2000 }, (_, i) => i / 4), shape: [2, 1000], dtype: 'float32',
    expected: `tensor([[0.0000e+00, 2.5000e-01, 5.0000e-01,  ..., 2.4925e+02, 2.4950e+02,
         2.4975e+02],
        [2.5000e+02, 2.5025e+02, 2.5050e+02,  ..., 4.9925e+02, 4.9950e+02,
         4.9975e+02]])` },
  { name: 'summarised 3-D 10x10x11', values: () => BigInt64Array.from({ length: 1100 }, (_, i) => BigInt(i)), shape: [10, 10, 11], dtype: 'int64',
    expected: `tensor([[[   0,    1,    2,  ...,    8,    9,   10],
         [  11,   12,   13,  ...,   19,   20,   21],
         [  22,   23,   24,  ...,   30,   31,   32],
         ...,
         [  77,   78,   79,  ...,   85,   86,   87],
         [  88,   89,   90,  ...,   96,   97,   98],
         [  99,  100,  101,  ...,  107,  108,  109]],

        [[ 110,  111,  112,  ...,  118,  119,  120],
         [ 121,  122,  123,  ...,  129,  130,  131],
         [ 132,  133,  134,  ...,  140,  141,  142],
         ...,
         [ 187,  188,  189,  ...,  195,  196,  197],
         [ 198,  199,  200,  ...,  206,  207,  208],
         [ 209,  210,  211,  ...,  217,  218,  219]],

        [[ 220,  221,  222,  ...,  228,  229,  230],
         [ 231,  232,  233,  ...,  239,  240,  241],
         [ 242,  243,  244,  ...,  250,  251,  252],
         ...,
         [ 297,  298,  299,  ...,  305,  306,  307],
         [ 308,  309,  310,  ...,  316,  317,  318],
         [ 319,  320,  321,  ...,  327,  328,  329]],

        ...,

        [[ 770,  771,  772,  ...,  778,  779,  780],
         [ 781,  782,  783,  ...,  789,  790,  791],
         [ 792,  793,  794,  ...,  800,  801,  802],
         ...,
         [ 847,  848,  849,  ...,  855,  856,  857],
         [ 858,  859,  860,  ...,  866,  867,  868],
         [ 869,  870,  871,  ...,  877,  878,  879]],

        [[ 880,  881,  882,  ...,  888,  889,  890],
         [ 891,  892,  893,  ...,  899,  900,  901],
         [ 902,  903,  904,  ...,  910,  911,  912],
         ...,
         [ 957,  958,  959,  ...,  965,  966,  967],
         [ 968,  969,  970,  ...,  976,  977,  978],
         [ 979,  980,  981,  ...,  987,  988,  989]],

        [[ 990,  991,  992,  ...,  998,  999, 1000],
         [1001, 1002, 1003,  ..., 1009, 1010, 1011],
         [1012, 1013, 1014,  ..., 1020, 1021, 1022],
         ...,
         [1067, 1068, 1069,  ..., 1075, 1076, 1077],
         [1078, 1079, 1080,  ..., 1086, 1087, 1088],
         [1089, 1090, 1091,  ..., 1097, 1098, 1099]]])` },
  { name: 'summarised hidden extremes ignored by formatter', values: () => Float32Array.from({ length: 1006 }, (_, i) => (i < 3 ? 1.5 : i >= 1003 ? 2.5 : 1e-9)), shape: [1006], dtype: 'float32',
    expected: `tensor([1.5000, 1.5000, 1.5000,  ..., 2.5000, 2.5000, 2.5000])` },
  { name: 'summarised bool', values: () => Uint8Array.from({ length: 1500 }, (_, i) => (i % 3 === 0 ? 1 : 0)), shape: [1500], dtype: 'bool',
    expected: `tensor([ True, False, False,  ...,  True, False, False])` },
  { name: 'empty 1-D', values: () => [], shape: [0], dtype: 'float32',
    expected: `tensor([])` },
  { name: 'empty 0x3', values: () => [], shape: [0, 3], dtype: 'float32',
    expected: `tensor([], size=(0, 3))` },
  { name: 'empty int64 shows dtype', values: () => new BigInt64Array(0), shape: [0], dtype: 'int64',
    expected: `tensor([], dtype=int64)` },
  { name: 'empty bool 2x0', values: () => new Uint8Array(0), shape: [2, 0], dtype: 'bool',
    expected: `tensor([], size=(2, 0), dtype=bool)` },
  { name: 'empty float64 3x0x2', values: () => [], shape: [3, 0, 2], dtype: 'float64',
    expected: `tensor([], size=(3, 0, 2), dtype=float64)` },
  { name: 'requires_grad', values: () => [1, 2], shape: [2], dtype: 'float32', opts: { requiresGrad: true },
    expected: `tensor([1., 2.], requires_grad=True)` },
  { name: 'grad_fn', values: () => [0.5, 2], shape: [2], dtype: 'float32', opts: { gradFn: 'MulBackward0' },
    expected: `tensor([0.5000, 2.0000], grad_fn=<MulBackward0>)` },
  { name: 'requires_grad float64', values: () => [1, 2, 3, 4], shape: [2, 2], dtype: 'float64', opts: { requiresGrad: true },
    expected: `tensor([[1., 2.],
        [3., 4.]], dtype=float64, requires_grad=True)` },
  { name: 'requires_grad empty', values: () => [], shape: [0], dtype: 'float32', opts: { requiresGrad: true },
    expected: `tensor([], requires_grad=True)` },
  { name: 'device cuda:0', values: () => [1, 2], shape: [2], dtype: 'float32', opts: { device: 'cuda:0' },
    expected: `tensor([1., 2.], device='cuda:0')` },
  { name: 'device + dtype + requires_grad', values: () => [1.5, 2], shape: [2], dtype: 'float64', opts: { device: 'cuda:0', requiresGrad: true },
    expected: `tensor([1.5000, 2.0000], device='cuda:0', dtype=float64, requires_grad=True)` },
  { name: 'suffix wraps to a new line', values: () => Array.from({ length: 14 }, (_, i) => i / 4), shape: [14], dtype: 'float64', opts: { device: 'cuda:1', requiresGrad: true },
    expected: `tensor([0.0000, 0.2500, 0.5000, 0.7500, 1.0000, 1.2500, 1.5000, 1.7500, 2.0000,
        2.2500, 2.5000, 2.7500, 3.0000, 3.2500], device='cuda:1',
       dtype=float64, requires_grad=True)` },
  { name: 'suffix after a multi-line body', values: () => Array.from({ length: 6 }, (_, i) => i + 0.5), shape: [2, 3], dtype: 'float64', opts: { requiresGrad: true },
    expected: `tensor([[0.5000, 1.5000, 2.5000],
        [3.5000, 4.5000, 5.5000]], dtype=float64, requires_grad=True)` },
  { name: 'device on empty', values: () => new Int32Array(0), shape: [0, 2], dtype: 'int32', opts: { device: 'npu:0' },
    expected: `tensor([], device='npu:0', size=(0, 2), dtype=int32)` },
  { name: 'precision 2 rounds ties to even', values: () => [0.125, 0.375, -0.625, 2.5], shape: [4], dtype: 'float32', opts: { precision: 2 },
    expected: `tensor([ 0.12,  0.38, -0.62,  2.50])` },
  { name: 'precision 0', values: () => [0.5, 1.5, 2.25], shape: [3], dtype: 'float32', opts: { precision: 0 },
    expected: `tensor([0, 2, 2])` },
  { name: 'precision 8', values: () => [1 / 3, 2 / 3], shape: [2], dtype: 'float64', opts: { precision: 8 },
    expected: `tensor([0.33333333, 0.66666667], dtype=float64)` },
  { name: 'threshold 5', values: () => BigInt64Array.from({ length: 10 }, (_, i) => BigInt(i)), shape: [10], dtype: 'int64', opts: { threshold: 5 },
    expected: `tensor([0, 1, 2,  ..., 7, 8, 9])` },
  { name: 'threshold 5 with edgeitems 2 on 2-D', values: () => Array.from({ length: 36 }, (_, i) => i), shape: [6, 6], dtype: 'float32', opts: { threshold: 5, edgeitems: 2 },
    expected: `tensor([[ 0.,  1.,  ...,  4.,  5.],
        [ 6.,  7.,  ..., 10., 11.],
        ...,
        [24., 25.,  ..., 28., 29.],
        [30., 31.,  ..., 34., 35.]])` },
  { name: 'edgeitems 1 on 3-D', values: () => Int32Array.from({ length: 1331 }, (_, i) => i), shape: [11, 11, 11], dtype: 'int32', opts: { edgeitems: 1 },
    expected: `tensor([[[   0,  ...,   10],
         ...,
         [ 110,  ...,  120]],

        ...,

        [[1210,  ..., 1220],
         ...,
         [1320,  ..., 1330]]], dtype=int32)` },
  { name: 'linewidth 40', values: () => Array.from({ length: 12 }, (_, i) => Math.fround(i) / 3), shape: [12], dtype: 'float32', opts: { linewidth: 40 },
    expected: `tensor([0.0000, 0.3333, 0.6667, 1.0000,
        1.3333, 1.6667, 2.0000, 2.3333,
        2.6667, 3.0000, 3.3333, 3.6667])` },
  { name: 'sciMode true forced', values: () => [1.5, 2], shape: [2], dtype: 'float32', opts: { sciMode: true },
    expected: `tensor([1.5000e+00, 2.0000e+00])` },
  { name: 'sciMode false forced', values: () => [1e-5, 1], shape: [2], dtype: 'float32', opts: { sciMode: false },
    expected: `tensor([    0.0000,     1.0000])` },
  { name: 'sciMode true on all zeros is ignored (as torch)', values: () => [0, 0], shape: [2], dtype: 'float32', opts: { sciMode: true },
    expected: `tensor([0., 0.])` },
];

for (const c of CASES) {
  test(`formatTensor: ${c.name}`, (t) => {
    t.equal(formatTensor(c.values(), c.shape, c.dtype, c.opts), c.expected);
    t.end();
  });
}

test('formatTensor: float32 values given as doubles are rounded to float32 first', (t) => {
  // 0.1 + 2^-30 is not a float32; as a float32 it is 0.1f, as torch.tensor([0.1 + 2**-30]) shows.
  t.equal(formatTensor([0.1 + 2 ** -30, 1 + 2 ** -40], [2], 'float32'), 'tensor([0.1000, 1.0000])');
  // 1 + 2^-40 rounds to 1 in float32, so the tensor is integer-valued; in float64 it is not.
  t.equal(formatTensor([1 + 2 ** -40], [], 'float32'), 'tensor(1.)');
  t.equal(formatTensor([1 + 2 ** -40], [], 'float64'), 'tensor(1.0000, dtype=float64)');
  t.end();
});

test('formatTensor: int64 as BigInt64Array or numbers prints the same', (t) => {
  const a = formatTensor(new BigInt64Array([-3n, 40n, 500n, 6n]), [2, 2], 'int64');
  t.equal(formatTensor([-3, 40, 500, 6], [2, 2], 'int64'), a);
  t.equal(a, 'tensor([[ -3,  40],\n        [500,   6]])');
  t.end();
});

test('formatTensor: gradFn wins over requiresGrad; cpu devices print no device', (t) => {
  t.equal(formatTensor([1, 2], [2], 'float32', { requiresGrad: true, gradFn: 'AddBackward0' }),
    'tensor([1., 2.], grad_fn=<AddBackward0>)');
  t.equal(formatTensor([1, 2], [2], 'float32', { device: 'cpu', requiresGrad: false }), 'tensor([1., 2.])');
  t.end();
});

test('formatTensor: a summarised 16M-element tensor reads only the printed elements', (t) => {
  const n = 4096 * 4096;
  let reads = 0;
  const lazy = new Proxy({ length: n } as ArrayLike<number>, {
    get(target, key) {
      if (typeof key === 'string' && /^\d+$/.test(key)) { reads++; return Number(key) % 7; }
      return Reflect.get(target, key);
    },
  });
  const s = formatTensor(lazy, [4096, 4096], 'float32');
  t.equal(s, CASES.find((c) => c.name.startsWith('16M elements 4096x4096'))?.expected);
  t.ok(reads <= 2 * 36, `read ${reads} elements (36 printed, each read at most twice)`);
  const big = new Float32Array(n);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < 100; i++) formatTensor(big, [n], 'float32');
  const ms = Number(process.hrtime.bigint() - t0) / 1e6 / 100;
  t.ok(ms < 5, `printing a 16M-element tensor takes ${ms.toFixed(3)} ms`);
  t.end();
});

test('formatTensor: invalid arguments throw', (t) => {
  t.throws(() => formatTensor([1, 2], [3], 'float32'), RangeError, 'too few values');
  t.throws(() => formatTensor([1], [-1], 'float32'), RangeError, 'negative size');
  t.throws(() => formatTensor([1], [1.5], 'float32'), RangeError, 'fractional size');
  t.throws(() => formatTensor([1], [1], 'complex64' as DType), TypeError, 'unknown dtype');
  t.throws(() => formatTensor([1], [1], 'float32', { precision: -1 }), RangeError, 'negative precision');
  t.throws(() => formatTensor([1], [1], 'float32', { edgeitems: 0 }), RangeError, 'edgeitems 0');
  t.end();
});
