#!/usr/bin/env node
// cli.ts — `npx nodetensor doctor`: what every backend reports (available or why not, devices,
// BLAS, ops). Not a REPL or a build tool.
import { backendInfo } from './device';
import { OP_NAMES } from './op-list';

function doctor(): void {
  console.log(`nodetensor doctor — node ${process.version}, ${process.platform}-${process.arch}`);
  for (const name of ['cpu', 'cuda', 'npu'] as const) {
    const info = backendInfo(name);
    console.log(`\n${name}: ${info.available ? `available, ${info.deviceCount} device(s)` : 'not available'}`);
    if (!info.available) { console.log(`  why: ${info.reason}`); continue; }
    if (name === 'cuda' && info.details) {  // versions, devices and BLAS in words; the JSON follows
      const d = info.details as { driver?: string; runtime?: string; devices?: { index: number; name: string; capability: string; memory: number }[]; blas?: { library?: string; version?: string; reason?: string } };
      console.log(`  driver: CUDA ${d.driver}, runtime: CUDA ${d.runtime}, BLAS: ${d.blas?.library === 'cublas' ? `cuBLAS ${d.blas.version}` : `built-in GEMM (${d.blas?.reason})`}`);
      for (const g of d.devices ?? []) console.log(`  cuda:${g.index}: ${g.name}, compute capability ${g.capability}, ${(g.memory / 2 ** 30).toFixed(1)} GiB`);
    }
    if (info.details) console.log(`  details: ${JSON.stringify(info.details)}`);
    const missing = OP_NAMES.filter((o) => !info.ops?.includes(o));
    console.log(`  ops: ${info.ops?.length ?? 0}/${OP_NAMES.length}${missing.length ? ` (missing: ${missing.join(', ')})` : ''}`);
  }
}

const cmd = process.argv[2] ?? 'doctor';
if (cmd === 'doctor') doctor();
else { console.error(`unknown command ${JSON.stringify(cmd)}; try: nodetensor doctor`); process.exit(2); }
