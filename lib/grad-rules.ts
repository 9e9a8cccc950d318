// grad-rules.ts — the table of declared gradient rules, by name (the gradcheck suite enumerates it).
// NOTE: a module with no imports on purpose: ops declare their rules while lib/autograd.ts is still
// loading its own imports (tensor -> ops -> defineGrad), so the table must already exist by then.
// Not here: what a rule is or does (autograd.ts).
export const RULES = new Map<string, unknown>();
