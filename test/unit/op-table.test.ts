// op-table.test.ts — the one op table: lib's OP_NAMES equals the native ops.def order
// (native.opNames()), and the CPU backend (always present) implements every op.
// Not here: what the ops compute (the conformance suite).
import test from 'tape';
import * as nt from '../../lib';
import { native } from '../../lib/native';
import { OP, OP_NAMES } from '../../lib/op-list';

test('OP_NAMES equals native.opNames(), in order', (t) => {
  const nat = native.opNames();
  t.ok(Array.isArray(nat), 'native.opNames() is an array');
  t.equal(nat.length, OP_NAMES.length, `same count (${OP_NAMES.length})`);
  t.same([...OP_NAMES], nat, 'same names in the same order');
  const firstDiff = OP_NAMES.findIndex((n, i) => n !== nat[i]);
  if (firstDiff >= 0) t.comment(`first difference at index ${firstDiff}: lib '${OP_NAMES[firstDiff]}' vs native '${nat[firstDiff]}'`);
  t.equal(new Set(OP_NAMES).size, OP_NAMES.length, 'no duplicate op names');
  t.ok(OP_NAMES.every((n) => /^[a-z][a-z0-9_]*$/.test(n)), 'op ids are snake_case');
  t.ok(OP_NAMES.every((n, i) => OP[n] === i), 'OP maps each name to its index');
  t.end();
});

test('the cpu backend implements every op', (t) => {
  const info = nt.backendInfo('cpu');
  t.ok(Array.isArray(info.ops), 'backendInfo(cpu).ops is an array');
  const have = new Set(info.ops ?? []);
  const missing = OP_NAMES.filter((n) => !have.has(n));
  t.same(missing, [], `no op is missing on cpu${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`);
  const unknown = (info.ops ?? []).filter((n) => !(OP_NAMES as readonly string[]).includes(n));
  t.same(unknown, [], 'cpu reports no op outside the table');
  t.end();
});
