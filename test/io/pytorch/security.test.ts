/**
 * Malicious pickles, written opcode by opcode inside valid torch-style zips: reading and inspecting them must
 * never run anything (the marker file a real unpickler would create stays absent), and inspect must name the
 * dangerous globals.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { inspectCheckpoint } from '../../../src/graph/checkpoint-summary.js';
import { readCheckpoint } from '../../../src/io/pytorch/checkpoint.js';
import { PyDict, PyObject } from '../../../src/io/pytorch/pickle-values.js';
import { inspectWeightsFile } from '../../../src/cli/inspect-checkpoint.js';
import { tempDir } from '../../helpers/fixtures.js';
import { PickleWriter, checkpointZip } from './builders.js';

let dir = '';
let marker = '';
beforeAll(async () => {
  dir = await tempDir('prunekit-security-');
  marker = path.join(dir, 'PWNED');
});

/** A checkpoint dict {'model': <payload>, 'epoch': 1} around a payload pushed by `payload`. */
function evil(payload: (w: PickleWriter) => void): Uint8Array {
  const w = new PickleWriter().proto(2).emptyDict().mark().str('model');
  payload(w);
  w.str('epoch').int(1).setitems().stop();
  return checkpointZip(w.bytes());
}

const PAYLOADS: Record<string, { build: (w: PickleWriter) => void; expect: string }> = {
  'GLOBAL os.system + REDUCE': {
    build: (w) => void w.global('os', 'system').mark().str(`touch ${marker}`).tuple().reduce(),
    expect: 'os.system',
  },
  'posix.system via STACK_GLOBAL': {
    build: (w) => void w.stackGlobal('posix', 'system').mark().str(`touch ${marker}`).tuple().reduce(),
    expect: 'posix.system',
  },
  'builtins.eval': {
    build: (w) => void w.global('builtins', 'eval').mark().str(`__import__('os').system('touch ${marker}')`).tuple().reduce(),
    expect: 'builtins.eval',
  },
  '__builtin__.exec': {
    build: (w) => void w.global('__builtin__', 'exec').mark().str(`open('${marker}', 'w').write('x')`).tuple().reduce(),
    expect: '__builtin__.exec',
  },
  'subprocess.check_call with a list': {
    build: (w) => void w.global('subprocess', 'check_call').mark().emptyList().mark().str('touch').str(marker).appends().tuple().reduce(),
    expect: 'subprocess.check_call',
  },
  '__import__ then getattr chain': {
    build: (w) => {
      // getattr(__import__('os'), 'system')('touch marker')
      w.global('builtins', 'getattr').mark();
      w.global('builtins', '__import__').mark().str('os').tuple().reduce();
      w.str('system').tuple().reduce();
      w.mark().str(`touch ${marker}`).tuple().reduce();
    },
    expect: 'builtins.__import__',
  },
  'INST opcode (protocol 0) os.system': {
    build: (w) => void w.mark().str(`touch ${marker}`).raw(0x69, ...[...'os\nsystem\n'].map((c) => c.charCodeAt(0))),
    expect: 'os.system',
  },
  'NEWOBJ + BUILD (__setstate__ gadget)': {
    build: (w) => void w.global('subprocess', 'Popen').emptyTuple().newobj().emptyDict().mark().str('args').str(`touch ${marker}`).setitems().build(),
    expect: 'subprocess.Popen',
  },
};

describe('malicious pickles are never executed', () => {
  for (const [name, p] of Object.entries(PAYLOADS)) {
    it(`${name}: read as an inert record, reported by inspect`, async () => {
      const bytes = evil(p.build);
      const ckpt = readCheckpoint(bytes, 'evil.pt');
      const model = (ckpt.root as PyDict).get('model');
      expect(model).toBeInstanceOf(PyObject);
      const summary = inspectCheckpoint(bytes, 'evil.pt');
      expect(summary.globals.suspicious.map((g) => g.name)).toContain(p.expect);
      expect(summary.model.source).toBe('none');
      const file = path.join(dir, 'evil.pt');
      await writeFile(file, bytes);
      const text = await inspectWeightsFile(file);
      expect(text).toContain('WARNING');
      expect(text).toContain(p.expect);
      expect(existsSync(marker)).toBe(false);
    });
  }

  it('a malicious global next to a real module tree still yields the tree and the warning', () => {
    const w = new PickleWriter().proto(2).emptyDict().mark().str('model');
    w.global('ultralytics.nn.tasks', 'DetectionModel').emptyTuple().newobj();
    w.emptyDict().mark().str('_modules').global('collections', 'OrderedDict').emptyTuple().reduce();
    w.str('_parameters').global('collections', 'OrderedDict').emptyTuple().reduce();
    w.str('_buffers').global('collections', 'OrderedDict').emptyTuple().reduce().setitems().build();
    w.str('hook').global('os', 'system').mark().str(`touch ${marker}`).tuple().reduce();
    w.setitems().stop();
    const s = inspectCheckpoint(checkpointZip(w.bytes()), 'mixed.pt');
    expect(s.model.source).toBe('model');
    expect(s.model.rootClass).toBe('ultralytics.nn.tasks.DetectionModel');
    expect(s.globals.suspicious.map((g) => g.name)).toEqual(['os.system']);
    expect(existsSync(marker)).toBe(false);
  });
});
