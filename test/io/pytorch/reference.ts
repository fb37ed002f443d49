/** Reading the reference TSVs of ../shared/fixtures/reference (PyTorch's own view of the fixture checkpoints). */
import { readFileSync } from 'node:fs';
import { fixture } from '../../helpers/fixtures.js';

export interface TensorRow { key: string; dtype: string; shape: string; numel: number; sum: number; absSum: number; nonzero: number }

export function referenceTensors(name: string): TensorRow[] {
  const lines = readFileSync(fixture('reference', `${name}.tensors.tsv`), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const [key, dtype, shape, numel, sum, absSum, nonzero] = l.split('\t');
    return { key: key!, dtype: dtype!, shape: shape!, numel: Number(numel), sum: Number(sum), absSum: Number(absSum), nonzero: Number(nonzero) };
  });
}

export function referenceModules(name: string): string[] {
  return readFileSync(fixture('reference', `${name}.modules.tsv`), 'utf8').trim().split('\n');
}

/** The three fixture checkpoints with reference files: checkpoint file → reference base name. */
export const REFERENCE_CHECKPOINTS = [
  { file: 'LeYOLONano.pt', ref: 'LeYOLONano' },
  { file: 'yolov13n-random.pt', ref: 'yolov13n' },
  { file: 'yolov13n-tokenc3-lsnet-random.pt', ref: 'yolov13n-tokenc3-lsnet' },
] as const;
