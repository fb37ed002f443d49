/**
 * Globals a pickle names that would run code or touch the system if a real unpickler resolved them. prunekit never
 * resolves any global; this list exists so `inspect` can warn about a checkpoint that tries.
 */
import type { PyGlobal } from './pickle-values.js';

const DANGEROUS_MODULES = new Set([
  'os', 'posix', 'nt', 'subprocess', 'sys', 'shutil', 'socket', 'importlib', 'runpy', 'pty', 'pickle', '_pickle',
  'marshal', 'types', 'code', 'codeop', 'ctypes', 'webbrowser', 'multiprocessing', 'commands', 'platform', 'pdb',
  'timeit', 'asyncio', 'urllib', 'http', 'ftplib', 'smtplib', 'requests', 'tempfile', 'glob', 'pathlib', 'io',
  'inspect', 'signal', 'threading', '_thread', 'operator', 'functools', 'torch.hub', 'torch.jit', 'numpy.testing',
]);

const DANGEROUS_BUILTINS = new Set([
  'eval', 'exec', 'compile', 'open', '__import__', 'getattr', 'setattr', 'delattr', 'globals', 'locals', 'vars',
  'input', 'breakpoint', 'execfile', 'file', 'reload', 'memoryview', 'help', 'exit', 'quit', 'apply',
]);

/** Why a global is suspicious, or undefined when it is not. */
export function suspiciousReason(g: PyGlobal): string | undefined {
  const top = g.module.split('.')[0] ?? g.module;
  if (g.module === 'builtins' || g.module === '__builtin__' || g.module === '__builtins__') {
    return DANGEROUS_BUILTINS.has(g.name) ? `builtin ${g.name} can run code or touch files` : undefined;
  }
  if (DANGEROUS_MODULES.has(g.module) || DANGEROUS_MODULES.has(top)) return `module ${g.module} can run commands or code`;
  if (/^(system|popen|exec\w*|spawn\w*|eval|__import__|call|check_output|run|load|loads)$/.test(g.name) && !g.module.startsWith('torch._utils')) {
    return `${g.name} looks like code execution`;
  }
  return undefined;
}

export interface SuspiciousGlobal {
  /** `module.name`. */
  name: string;
  reason: string;
}

/** The suspicious globals among `globals`. */
export function findSuspiciousGlobals(globals: readonly PyGlobal[]): SuspiciousGlobal[] {
  const out: SuspiciousGlobal[] = [];
  for (const g of globals) {
    const reason = suspiciousReason(g);
    if (reason) out.push({ name: g.qualifiedName, reason });
  }
  return out;
}
