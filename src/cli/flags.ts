/** Flag parsing shared by the pruning commands (ONNX, structured, checkpoints, the run pipeline). */
import { UsageError } from '../core/errors.js';
import { parsePruneCriterion } from '../prune/importance.js';
import { parseNm } from '../prune/nm.js';
import { parseFractionFlag } from './flag-values.js';

/** `--scope` and `--alpha` of unstructured pruning, checked. */
export function parseScopeAlpha(flags: { scope?: string; alpha?: string }): { scope: 'layer' | 'global'; alpha: number | undefined } {
  const scope = flags.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'global') throw new UsageError(`--scope ${scope}: expected layer or global`);
  const alpha = parseFractionFlag('alpha', flags.alpha, { maxExclusive: false });
  return { scope, alpha };
}

/** The flags of unstructured pruning that ONNX and checkpoint pruning share. */
export interface UnstructuredFlags {
  preset?: string; config?: string; arch?: string; target?: string; criterion?: string; alpha?: string; scope?: string;
  nm?: string; pruneHead?: boolean; dryRun?: boolean; force?: boolean;
}

/** Those flags, checked, as the options `pruneFile` and `pruneCheckpointFile` take. */
export function unstructuredOptions(flags: UnstructuredFlags) {
  const { scope, alpha } = parseScopeAlpha(flags);
  return {
    preset: flags.preset, config: flags.config, arch: flags.arch, target: parseFractionFlag('target', flags.target),
    ...(flags.criterion === undefined ? {} : parsePruneCriterion(flags.criterion)), alpha, scope,
    nm: flags.nm === undefined ? undefined : parseNm(flags.nm), pruneHead: flags.pruneHead, dryRun: flags.dryRun,
    force: flags.force,
  };
}
