import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { AttributeType, DataType, decodeModel, encodeModel, type ModelProto } from './proto.js';

function floatBytes(values: number[]): Uint8Array {
  return new Uint8Array(Float32Array.from(values).buffer);
}

/** y = LeakyRelu(Transpose(x) + bias, alpha 0.25): touches every message type ORT needs to parse. */
function handBuiltModel(): ModelProto {
  return {
    irVersion: 8,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'test',
    graph: {
      name: 'g',
      input: [{ name: 'x', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 2 }, { dimValue: 3 }] } } } }],
      output: [{ name: 'y', type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: [{ dimParam: 'N' }, { dimValue: 3 }, { dimValue: 2 }] } } } }],
      initializer: [
        { name: 'bias', dims: [3, 2], dataType: DataType.FLOAT, rawData: floatBytes([1, 2, 3, 4, 5, 6]) },
        { name: 'unused', dims: [2], dataType: DataType.FLOAT, floatData: [0.5, -0.5] },
      ],
      node: [
        { opType: 'Transpose', input: ['x'], output: ['t'], attribute: [{ name: 'perm', type: AttributeType.INTS, ints: [0, 2, 1] }] },
        { opType: 'Add', input: ['t', 'bias'], output: ['s'] },
        { opType: 'LeakyRelu', input: ['s'], output: ['y'], attribute: [{ name: 'alpha', type: AttributeType.FLOAT, f: 0.25 }] },
      ],
    },
  };
}

describe('ONNX protobuf schema', () => {
  it('produces bytes that ONNX Runtime loads and runs', async () => {
    const session = await ort.InferenceSession.create(encodeModel(handBuiltModel()));
    const x = new ort.Tensor('float32', Float32Array.from([-8, -4, 0, 4, 8, 12]), [1, 2, 3]);
    const y = (await session.run({ x })).y;
    // transpose [[-8,-4,0],[4,8,12]] -> [[-8,4],[-4,8],[0,12]]; + bias; negatives scaled by 0.25.
    expect(y.dims).toEqual([1, 3, 2]);
    expect(Array.from(y.data as Float32Array)).toEqual([-1.75, 6, -0.25, 12, 5, 18]);
    await session.release();
  });

  it('round-trips through decode', () => {
    const model = handBuiltModel();
    model.graph.node![0].attribute!.push(
      { name: 's', type: AttributeType.STRING, s: new TextEncoder().encode('SAME_UPPER') },
      { name: 'fs', type: AttributeType.FLOATS, floats: [0.5, 1.5] },
      { name: 'big', type: AttributeType.INT, i: 2 ** 40 },
    );
    model.graph.initializer!.push({ name: 'shape', dims: [2], dataType: DataType.INT64, int64Data: [-1, 2 ** 33] });
    const back = decodeModel(encodeModel(model));
    expect(back.irVersion).toBe(8);
    expect(back.opsetImport).toEqual([{ domain: '', version: 13 }]);
    expect(back.graph.input![0].type!.tensorType!.shape!.dim).toEqual([{ dimParam: 'N' }, { dimValue: 2 }, { dimValue: 3 }]);
    const attrs = back.graph.node![0].attribute!;
    expect(attrs.map((a) => a.name)).toEqual(['perm', 's', 'fs', 'big']);
    expect(attrs[0].ints).toEqual([0, 2, 1]);
    expect(new TextDecoder().decode(attrs[1].s)).toBe('SAME_UPPER');
    expect(attrs[2].floats).toEqual([0.5, 1.5]);
    expect(attrs[3].i).toBe(2 ** 40);
    const [bias, unused, shape] = back.graph.initializer!;
    expect(Array.from(new Float32Array(new Uint8Array(bias.rawData!).buffer))).toEqual([1, 2, 3, 4, 5, 6]);
    expect(unused.floatData).toEqual([0.5, -0.5]);
    expect(shape.int64Data).toEqual([-1, 2 ** 33]);
  });

  it('uses onnx.proto field numbers and proto2 packing', () => {
    // ModelProto.ir_version = field 1 (varint): tag 0x08.
    const bytes = encodeModel({ irVersion: 8, opsetImport: [], graph: {} });
    expect(Array.from(bytes.subarray(0, 2))).toEqual([0x08, 0x08]);
    // graph = field 7 (length-delimited): tag 0x3a, empty.
    expect(Array.from(bytes.subarray(2))).toEqual([0x3a, 0x00]);

    // AttributeProto.ints (field 8) is unpacked in onnx.proto: one tag 0x40 per element.
    const attrModel = encodeModel({
      irVersion: 8,
      opsetImport: [],
      graph: { node: [{ opType: 'X', attribute: [{ name: 'a', type: AttributeType.INTS, ints: [3, 4] }] }] },
    });
    const hex = Buffer.from(attrModel).toString('hex');
    expect(hex).toContain('40034004');
    // TensorProto.float_data (field 4) is [packed = true]: one tag 0x22 then 8 bytes.
    const packed = encodeModel({
      irVersion: 8,
      opsetImport: [],
      graph: { initializer: [{ dataType: DataType.FLOAT, floatData: [1, 2] }] },
    });
    expect(Buffer.from(packed).toString('hex')).toContain('2208' + Buffer.from(floatBytes([1, 2])).toString('hex'));
  });

  it('rejects objects that do not fit the schema', () => {
    const bad = { irVersion: 'eight', opsetImport: [], graph: {} } as unknown as ModelProto;
    expect(() => encodeModel(bad)).toThrow(/invalid ONNX model object: irVersion/);
  });
});
