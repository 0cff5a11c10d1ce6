import { describe, expect, it } from 'vitest';
import { isSonoError } from '../errors.js';
import { decodeTensor, parseOnnx } from './import-graph.js';
import { AttributeType, DataType, encodeModel } from './proto.js';

const floatInfo = (name: string, dims: number[]) => ({ name, type: { tensorType: { elemType: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });

describe('parseOnnx', () => {
  const bytes = encodeModel({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 12 }],
    graph: {
      name: 'g',
      node: [{ opType: 'Gemm', name: 'fc', input: ['x', 'w', 'b'], output: ['y'], attribute: [
        { name: 'transB', type: AttributeType.INT, i: 1 },
        { name: 'alpha', type: AttributeType.FLOAT, f: 0.5 },
        { name: 'note', type: AttributeType.STRING, s: new TextEncoder().encode('hi') },
      ] }],
      initializer: [
        { name: 'w', dims: [2, 3], dataType: DataType.FLOAT, floatData: [1, 2, 3, 4, 5, 6] },
        { name: 'b', dims: [2], dataType: DataType.FLOAT, rawData: new Uint8Array(Float32Array.of(0.5, -1).buffer) },
        { name: 'shape', dims: [2], dataType: DataType.INT64, int64Data: [0, -1] },
      ],
      // Old exporters list initializers among the inputs; they are not model inputs.
      input: [floatInfo('x', [1, 3]), floatInfo('w', [2, 3])],
      output: [floatInfo('y', [1, 2])],
    },
  });

  it('reads nodes, typed attributes and initializers from raw or typed fields', () => {
    const g = parseOnnx(bytes, 'm.onnx');
    expect(g.opset).toBe(12);
    expect(g.inputs).toEqual([{ name: 'x', dims: [1, 3] }]);
    const fc = g.nodes[0];
    expect([fc.opType, fc.attributes.get('transB'), fc.attributes.get('alpha'), fc.attributes.get('note')]).toEqual(['Gemm', 1, 0.5, 'hi']);
    expect(g.initializers.get('w')!.data).toEqual(Float32Array.of(1, 2, 3, 4, 5, 6));
    expect(g.initializers.get('b')!.data).toEqual(Float32Array.of(0.5, -1));
    expect(g.initializers.get('shape')!.data).toEqual(BigInt64Array.of(0n, -1n));
  });

  it.each([0.1, 0.5, 0.9])('a file cut at %f of its length is CORRUPT and named', (fraction) => {
    try {
      parseOnnx(bytes.subarray(0, Math.floor(bytes.length * fraction)), '/data/cut.onnx');
      throw new Error('parsed');
    } catch (e) {
      expect(isSonoError(e) && e.code).toBe('CORRUPT');
      expect((e as Error).message).toMatch(/^\/data\/cut\.onnx /);
    }
  });

  it('external data and unsupported types are refused with the initializer name', () => {
    expect(() => decodeTensor({ name: 'big', dims: [4], dataType: DataType.FLOAT, externalData: [{ key: 'location', value: 'w.bin' }] }, 'x.onnx'))
      .toThrow('x.onnx: initializer big is stored in an external file; save the model with its weights inside');
    expect(() => decodeTensor({ name: 'h', dims: [2], dataType: DataType.DOUBLE, doubleData: [1, 2] }, 'x.onnx')).toThrow(/initializer h has data type 11/);
    expect(() => decodeTensor({ name: 'f', dims: [3], dataType: DataType.FLOAT, floatData: [1, 2] }, 'x.onnx')).toThrow('x.onnx: initializer f has 2 values for shape [3]');
  });
});
