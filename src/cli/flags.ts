/** Flag parsing shared by the pruning commands (ONNX, structured, checkpoints, the run pipeline). */
import { UsageError } from '../core/errors.js';
import { parseNm, parsePruneCriterion } from '../prune/index.js';

/** `--flag X` as a fraction in [0, 1); undefined when the flag is absent. */
export function parseFraction(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${flag} ${text}: expected a number in [0, 1), e.g. 0.10`);
  if (v < 0 || v >= 1) throw new UsageError(`--${flag} ${text} is outside [0, 1)`);
  return v;
}

/** `--scope` and `--alpha` of unstructured pruning, checked. */
export function parseScopeAlpha(flags: { scope?: string; alpha?: string }): { scope: 'layer' | 'global'; alpha: number | undefined } {
  const scope = flags.scope ?? 'layer';
  if (scope !== 'layer' && scope !== 'global') throw new UsageError(`--scope ${scope}: expected layer or global`);
  const alpha = flags.alpha === undefined ? undefined : Number(flags.alpha);
  if (alpha !== undefined && !(alpha >= 0 && alpha <= 1)) throw new UsageError(`--alpha ${flags.alpha}: expected a number in [0, 1]`);
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
    preset: flags.preset, config: flags.config, arch: flags.arch, target: parseFraction('target', flags.target),
    ...(flags.criterion === undefined ? {} : parsePruneCriterion(flags.criterion)), alpha, scope,
    nm: flags.nm === undefined ? undefined : parseNm(flags.nm), pruneHead: flags.pruneHead, dryRun: flags.dryRun,
    force: flags.force,
  };
}
