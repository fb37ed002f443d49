/** Fuzz: truncated and bit-flipped checkpoints must end in typed errors (or a successful read), never anything else. */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { isPrunekitError } from '../../../src/core/errors.js';
import { summarizeCheckpoint } from '../../../src/graph/checkpoint-summary.js';
import { readCheckpoint, readCheckpointTensor } from '../../../src/io/pytorch/checkpoint.js';
import { selectModel, selectedStateDict, walkModules } from '../../../src/io/pytorch/modules.js';
import { storageFromPid, torchReduce } from '../../../src/io/pytorch/tensors.js';
import { unpickle } from '../../../src/io/pytorch/unpickle.js';
import { entryBytes, readZip } from '../../../src/io/pytorch/zip.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';

/** Run `fn`; a thrown error must be one of prunekit's typed errors. */
function typedOnly(fn: () => void): void {
  try {
    fn();
  } catch (e) {
    if (!isPrunekitError(e)) throw new Error(`untyped error: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`, { cause: e });
  }
}

function fullRead(bytes: Uint8Array): void {
  const ckpt = readCheckpoint(bytes, 'fuzz.pt');
  summarizeCheckpoint(ckpt);
  const sel = selectModel(ckpt.root, 'fuzz.pt');
  for (const e of selectedStateDict(sel, 'fuzz.pt')) readCheckpointTensor(ckpt, e.ref);
}

function mutate(src: Uint8Array, flips: ReadonlyArray<{ at: number; xor: number }>): Uint8Array {
  const out = new Uint8Array(src);
  for (const f of flips) out[f.at % out.length]! ^= f.xor;
  return out;
}

describeFixtures('fuzzing the .pt reader', () => {
  const bytes = new Uint8Array(readFileSync(fixture('models', 'LeYOLONano.pt')));
  const zip = readZip(bytes, 'LeYOLONano.pt');
  const pkl = entryBytes(bytes, zip.entries.find((e) => e.name.endsWith('data.pkl'))!, 'LeYOLONano.pt');

  it('truncated files → typed errors', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.length - 1 }), (len) => {
        expect(() => fullRead(bytes.subarray(0, len))).toThrow();
        typedOnly(() => fullRead(bytes.subarray(0, len)));
      }),
      { numRuns: 25, seed: 1 },
    );
  });

  it('byte flips anywhere in the file → typed errors or a successful read', () => {
    const flip = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) });
    fc.assert(fc.property(fc.array(flip, { minLength: 1, maxLength: 8 }), (flips) => typedOnly(() => fullRead(mutate(bytes, flips)))), { numRuns: 20, seed: 2 });
  });

  it('byte flips and truncations of the pickle itself (past the CRC check) → typed errors or inert records', () => {
    const run = (data: Uint8Array): void => {
      const { value } = unpickle(data, { label: 'fuzz.pkl', reduce: torchReduce, persistentLoad: (pid) => storageFromPid(pid) ?? null });
      const sel = selectModel(value, 'fuzz.pkl');
      if (sel.module) walkModules(sel.module, 'fuzz.pkl');
      selectedStateDict(sel, 'fuzz.pkl');
    };
    const flip = fc.record({ at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) });
    fc.assert(
      fc.property(fc.array(flip, { minLength: 1, maxLength: 6 }), fc.option(fc.nat(), { nil: undefined }), (flips, cut) => {
        const m = mutate(pkl, flips);
        typedOnly(() => run(cut === undefined ? m : m.subarray(0, cut % m.length)));
      }),
      { numRuns: 150, seed: 3 },
    );
  });
});
