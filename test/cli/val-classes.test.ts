/** `val` checks the model's classes against the dataset's before reading any image (issue #14 item 7). */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { demoAssets } from '../../src/cli/demo.js';
import { bufferIO } from '../../src/cli/io.js';
import { runCli } from '../../src/cli/main.js';
import { classMismatch } from '../../src/eval/validate.js';
import { tempDir } from '../helpers/fixtures.js';

async function yamlWith(names: string[]): Promise<string> {
  const dir = await tempDir();
  const file = path.join(dir, 'data.yaml');
  await writeFile(file, `path: ${path.dirname(demoAssets().data)}\nval: images/val\nnames: [${names.join(', ')}]\n`);
  return file;
}

async function val(data: string, ...extra: string[]) {
  const io = bufferIO();
  const t0 = Date.now();
  const code = await runCli(['val', demoAssets().model, '--data', data, ...extra], io);
  return { code, err: io.stderr.join('\n'), out: io.stdout.join('\n'), ms: Date.now() - t0 };
}

describe('classMismatch', () => {
  it('count first, then names (when the model has them); none when they agree', () => {
    expect(classMismatch({ names: ['a'] }, ['a', 'b'])).toBe('the model predicts 1 classes but the dataset has 2');
    expect(classMismatch({ count: 80 }, ['a'])).toBe('the model predicts 80 classes but the dataset has 1');
    expect(classMismatch({ names: ['a', 'x', 'c'] }, ['a', 'b', 'c'])).toBe("the model's class names differ from the dataset's (first at index 1: model 'x', dataset 'b')");
    expect(classMismatch({ names: ['a', 'b'] }, ['a', 'b'])).toBeUndefined();
    expect(classMismatch({ count: 2 }, ['a', 'b'])).toBeUndefined();
    expect(classMismatch({}, ['a'])).toBeUndefined();
  });
});

describe('prunekit val: class check', () => {
  it('a 3-class model on a 2-class dataset: exit 2 before validating; --force runs it with a warning', async () => {
    const data = await yamlWith(['circle', 'square']);
    const r = await val(data);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`error: ${data}: the model predicts 3 classes but the dataset has 2, so its metrics would mean nothing; validate on the dataset the model was trained for (prunekit val --force runs anyway)`);
    expect(r.out).toBe(''); // no table was printed
    const forced = await val(data, '--force');
    expect(forced.code).toBe(0);
    expect(forced.err).toMatch(/warning: the model predicts 3 classes but the dataset has 2; class indices are compared as they are/);
  });

  it('same count, other names: exit 2 naming the first difference', async () => {
    const r = await val(await yamlWith(['circle', 'square', 'star']));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/the model's class names differ from the dataset's \(first at index 2: model 'triangle', dataset 'star'\)/);
  });

  it('matching classes: no warning about classes', async () => {
    const r = await val(demoAssets().data);
    expect(r.code).toBe(0);
    expect(r.err).not.toMatch(/class/);
  });
});
