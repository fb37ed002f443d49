/**
 * Property: truncated or corrupted ONNX bytes give a model or a typed PrunekitError — never another exception,
 * a hang, or a runaway allocation — through parse, listLayers and inspectOnnx.
 */
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isPrunekitError } from '../../../src/core/errors.js';
import { inspectOnnx, listLayers } from '../../../src/graph/index.js';
import { parseOnnx } from '../../../src/io/onnx/index.js';
import { describeFixtures, fixture } from '../../helpers/fixtures.js';
import { tinyConvNet, toBytes } from '../../helpers/onnx-builder.js';

type Outcome = 'ok' | 'typed-error';

function exercise(bytes: Uint8Array): Outcome {
  try {
    const m = parseOnnx(bytes, { path: 'fuzz.onnx' });
    listLayers(m);
    inspectOnnx(m);
    return 'ok';
  } catch (e) {
    if (isPrunekitError(e)) {
      expect(e.message).not.toContain('\n');
      return 'typed-error';
    }
    throw e;
  }
}

/** Byte ranges of a model's raw tensor data (flips there only change weights), to aim flips at the structure. */
function structuralOffsets(bytes: Uint8Array): number[] {
  const m = parseOnnx(bytes);
  const raw = m.proto.graph!.initializer.map((t) => [t.rawData.byteOffset - bytes.byteOffset, t.rawData.length] as const);
  raw.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  let pos = 0;
  for (const [start, len] of raw) {
    for (let i = pos; i < start; i++) out.push(i);
    pos = Math.max(pos, start + len);
  }
  for (let i = pos; i < bytes.length; i++) out.push(i);
  return out;
}

const flips = (positions: number[], max: number) =>
  fc.array(fc.record({ at: fc.nat({ max: positions.length - 1 }), xor: fc.integer({ min: 1, max: 255 }) }), { minLength: 1, maxLength: max });

function flipped(bytes: Uint8Array, positions: number[], edits: { at: number; xor: number }[]): Uint8Array {
  const out = bytes.slice();
  for (const e of edits) out[positions[e.at]!]! ^= e.xor;
  return out;
}

describe('fuzz: hand-built model', () => {
  const bytes = toBytes(tinyConvNet());
  const positions = structuralOffsets(bytes);

  it('every truncation gives a model or a typed error', () => {
    const outcomes = new Set<Outcome>();
    for (let n = 0; n < bytes.length; n += 7) outcomes.add(exercise(bytes.subarray(0, n)));
    expect(outcomes.has('typed-error')).toBe(true);
  });

  it('random byte flips in the protobuf structure give a model or a typed error', () => {
    fc.assert(fc.property(flips(positions, 6), (edits) => {
      exercise(flipped(bytes, positions, edits));
    }), { numRuns: 400, seed: 42 });
  });
});

describeFixtures('fuzz: LeYOLONano-640.onnx', () => {
  const bytes = readFileSync(fixture('models', 'LeYOLONano-640.onnx'));
  const positions = structuralOffsets(bytes);

  it('random truncations give a typed error', () => {
    fc.assert(fc.property(fc.nat({ max: bytes.length - 1 }), (n) => {
      expect(exercise(bytes.subarray(0, n))).toBe('typed-error');
    }), { numRuns: 25, seed: 7 });
  });

  it('random byte flips in the protobuf structure give a model or a typed error', () => {
    fc.assert(fc.property(flips(positions, 4), (edits) => {
      exercise(flipped(bytes, positions, edits));
    }), { numRuns: 40, seed: 11 });
  });
});
