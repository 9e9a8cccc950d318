// contiguity.test.ts — isContiguous() edge cases that PyTorch defines: empty tensors are contiguous
// whatever their strides; size-1 dims' strides don't matter. Not here: view ops (conformance/views).
import test from 'tape';
import * as nt from '../../lib';

test('empty and size-1 layouts', (t) => {
  t.ok(nt.zeros([2, 0]).isContiguous(), 'zeros([2, 0])');
  t.ok(nt.zeros([0, 3]).t().isContiguous(), 'a transposed empty tensor');
  t.ok(nt.zeros([3, 1]).t().isContiguous(), '[3,1].t() is [1,3] with an ignorable stride');
  t.notOk(nt.zeros([3, 2]).t().isContiguous(), 'a real transpose is not');
  t.end();
});
