import { readdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { toBinary } from '@bufbuild/protobuf';
import { ModelProtoSchema } from 'onnx-buf';
import { expect, it } from 'vitest';
import { getTensor, modelInputs, modelOutputs, parseUltralyticsMetadata, serializeOnnx, withTensorValues } from '../../../src/io/onnx/index.js';
import { loadOnnx } from '../../../src/files/onnx-file.js';
import { describeFixtures, fixture, HAVE_FIXTURES } from '../../helpers/fixtures.js';

const models = HAVE_FIXTURES ? readdirSync(fixture('models')).filter((f) => f.endsWith('.onnx')) : [];

describeFixtures('ONNX fixtures: lossless round trip', () => {
  it('finds the four .onnx fixtures', () => {
    expect(models.sort()).toEqual(['LeYOLONano-640.onnx', 'yolov13n-random.onnx', 'yolov13n-tokenc3-lsnet-random.onnx', 'yolov5n_ppe-640.onnx']);
  });

  for (const name of models) {
    it(`${name}: unmodified model serialises byte-identically, also through a full re-encode`, async () => {
      const file = fixture('models', name);
      const bytes = await readFile(file);
      const m = await loadOnnx(file);
      expect(Buffer.compare(serializeOnnx(m), bytes)).toBe(0);
      expect(Buffer.compare(toBinary(ModelProtoSchema, m.proto, { writeUnknownFields: true }), bytes)).toBe(0);
    });
  }

  it('LeYOLONano: a value edit by patching equals a full re-encode and changes only that tensor', async () => {
    const m = await loadOnnx(fixture('models', 'LeYOLONano-640.onnx'));
    const name = m.proto.graph!.initializer[3]!.name;
    const w = getTensor(m, name);
    const data = new Float32Array(w.data as Float32Array).map((x, i) => (i % 2 ? 0 : x));
    const edited = withTensorValues(m, new Map([[name, { dtype: 'float32', dims: w.dims, data }]]));
    const patched = serializeOnnx(edited);
    expect(Buffer.compare(patched, toBinary(ModelProtoSchema, edited.proto, { writeUnknownFields: true }))).toBe(0);
    let changed = 0;
    for (let i = 0; i < patched.length; i++) if (patched[i] !== m.source![i]) changed++;
    expect(changed).toBeGreaterThan(0);
    expect(changed).toBeLessThanOrEqual(w.data.length * 2);
  });

  it('LeYOLONano: Ultralytics metadata (80 COCO names, stride, imgsz) and the input/output specs', async () => {
    const m = await loadOnnx(fixture('models', 'LeYOLONano-640.onnx'));
    const md = parseUltralyticsMetadata(m.proto);
    expect(md.names?.size).toBe(80);
    expect(md.names?.get(0)).toBe('person');
    expect(md.names?.get(79)).toBe('toothbrush');
    expect(md.stride).toBe(32);
    expect(md.imgsz).toEqual([640, 640]);
    expect(md.task).toBe('detect');
    expect(md.problems).toEqual({});
    expect(modelInputs(m.proto)).toEqual([{ name: 'images', dtype: 'float32', shape: [1, 3, 640, 640] }]);
    expect(modelOutputs(m.proto)).toEqual([{ name: 'output0', dtype: 'float32', shape: [1, 84, 8400] }]);
  });

  it('yolov5n_ppe: YOLOv5 metadata (stride, 2 names)', async () => {
    const md = parseUltralyticsMetadata((await loadOnnx(fixture('models', 'yolov5n_ppe-640.onnx'))).proto);
    expect([...(md.names ?? new Map()).values()]).toEqual(['helmet', 'vest']);
    expect(md.stride).toBe(32);
  });
});
