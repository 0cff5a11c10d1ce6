/**
 * The subset of onnx.proto (https://github.com/onnx/onnx/blob/main/onnx/onnx.proto) that SonoTL writes
 * and reads back: a model with one graph of plain tensor nodes and float/int64 initializers.
 *
 * Field numbers and types follow onnx.proto exactly, because ONNX Runtime parses the bytes with the real
 * schema. onnx.proto is a proto2 file, so repeated scalars are unpacked unless the file says
 * `[packed = true]` (only the TensorProto data arrays do).
 * Fields we never write (sparse tensors, training info, functions, quantization annotations) are left out:
 * protobuf decoders skip unknown fields, so models from other tools still decode to this subset.
 */
import protobuf from 'protobufjs';

/** TensorProto.DataType values used by SonoTL (onnx.proto numbers). */
export const DataType = {
  UNDEFINED: 0,
  FLOAT: 1,
  UINT8: 2,
  INT8: 3,
  INT32: 6,
  INT64: 7,
  BOOL: 9,
  DOUBLE: 11,
} as const;

/** AttributeProto.AttributeType (onnx.proto numbers). */
export const AttributeType = {
  UNDEFINED: 0,
  FLOAT: 1,
  INT: 2,
  STRING: 3,
  TENSOR: 4,
  GRAPH: 5,
  FLOATS: 6,
  INTS: 7,
  STRINGS: 8,
  TENSORS: 9,
  GRAPHS: 10,
} as const;

export interface OperatorSetId {
  domain?: string;
  version: number;
}

export interface TensorProto {
  dims?: number[];
  dataType: number;
  name?: string;
  docString?: string;
  floatData?: number[];
  int32Data?: number[];
  int64Data?: number[];
  doubleData?: number[];
  /** Little-endian element bytes; preferred for large initializers (no per-element varints). */
  rawData?: Uint8Array;
}

export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  s?: Uint8Array;
  t?: TensorProto;
  floats?: number[];
  ints?: number[];
  strings?: Uint8Array[];
  docString?: string;
}

export interface NodeProto {
  input?: string[];
  output?: string[];
  name?: string;
  opType: string;
  domain?: string;
  attribute?: AttributeProto[];
  docString?: string;
}

/** One axis: a fixed size, or a symbolic name (e.g. the batch axis). */
export interface Dimension {
  dimValue?: number;
  dimParam?: string;
  denotation?: string;
}

export interface TypeProto {
  tensorType?: { elemType: number; shape?: { dim?: Dimension[] } };
  denotation?: string;
}

export interface ValueInfoProto {
  name: string;
  type?: TypeProto;
  docString?: string;
}

export interface GraphProto {
  node?: NodeProto[];
  name?: string;
  initializer?: TensorProto[];
  docString?: string;
  input?: ValueInfoProto[];
  output?: ValueInfoProto[];
  valueInfo?: ValueInfoProto[];
}

export interface StringStringEntry {
  key: string;
  value: string;
}

export interface ModelProto {
  irVersion: number;
  opsetImport: OperatorSetId[];
  producerName?: string;
  producerVersion?: string;
  domain?: string;
  modelVersion?: number;
  docString?: string;
  graph: GraphProto;
  metadataProps?: StringStringEntry[];
}

// Packing is stated on every repeated field: protobufjs's JSON descriptors otherwise default to packed
// scalars (proto3 behaviour), while onnx.proto (proto2) packs only where it says so.
const repeated = (type: string, id: number, packed = false) => ({
  rule: 'repeated',
  type,
  id,
  options: { packed },
});

const schema = {
  nested: {
    onnx: {
      nested: {
        StringStringEntryProto: {
          fields: { key: { type: 'string', id: 1 }, value: { type: 'string', id: 2 } },
        },
        OperatorSetIdProto: {
          fields: { domain: { type: 'string', id: 1 }, version: { type: 'int64', id: 2 } },
        },
        TensorProto: {
          fields: {
            dims: repeated('int64', 1),
            dataType: { type: 'int32', id: 2 },
            floatData: repeated('float', 4, true),
            int32Data: repeated('int32', 5, true),
            stringData: repeated('bytes', 6),
            int64Data: repeated('int64', 7, true),
            name: { type: 'string', id: 8 },
            rawData: { type: 'bytes', id: 9 },
            doubleData: repeated('double', 10, true),
            uint64Data: repeated('uint64', 11, true),
            docString: { type: 'string', id: 12 },
            externalData: repeated('StringStringEntryProto', 13),
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            g: { type: 'GraphProto', id: 6 },
            floats: repeated('float', 7),
            ints: repeated('int64', 8),
            strings: repeated('bytes', 9),
            tensors: repeated('TensorProto', 10),
            graphs: repeated('GraphProto', 11),
            docString: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
            refAttrName: { type: 'string', id: 21 },
          },
        },
        NodeProto: {
          fields: {
            input: repeated('string', 1),
            output: repeated('string', 2),
            name: { type: 'string', id: 3 },
            opType: { type: 'string', id: 4 },
            attribute: repeated('AttributeProto', 5),
            docString: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        TensorShapeProto: {
          fields: { dim: repeated('Dimension', 1) },
          nested: {
            Dimension: {
              oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
              fields: {
                dimValue: { type: 'int64', id: 1 },
                dimParam: { type: 'string', id: 2 },
                denotation: { type: 'string', id: 3 },
              },
            },
          },
        },
        TypeProto: {
          oneofs: { value: { oneof: ['tensorType'] } },
          fields: {
            tensorType: { type: 'Tensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
          nested: {
            Tensor: {
              fields: {
                elemType: { type: 'int32', id: 1 },
                shape: { type: 'TensorShapeProto', id: 2 },
              },
            },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            docString: { type: 'string', id: 3 },
          },
        },
        GraphProto: {
          fields: {
            node: repeated('NodeProto', 1),
            name: { type: 'string', id: 2 },
            initializer: repeated('TensorProto', 5),
            docString: { type: 'string', id: 10 },
            input: repeated('ValueInfoProto', 11),
            output: repeated('ValueInfoProto', 12),
            valueInfo: repeated('ValueInfoProto', 13),
          },
        },
        ModelProto: {
          fields: {
            irVersion: { type: 'int64', id: 1 },
            producerName: { type: 'string', id: 2 },
            producerVersion: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            modelVersion: { type: 'int64', id: 5 },
            docString: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opsetImport: repeated('OperatorSetIdProto', 8),
            metadataProps: repeated('StringStringEntryProto', 14),
          },
        },
      },
    },
  },
};

const root = protobuf.Root.fromJSON(schema);
const ModelType = root.lookupType('onnx.ModelProto');

/** Serialises a model; throws naming the offending field when the object does not fit the schema. */
export function encodeModel(model: ModelProto): Uint8Array {
  const problem = ModelType.verify(model);
  if (problem) throw new Error(`invalid ONNX model object: ${problem}`);
  return ModelType.encode(ModelType.fromObject(model)).finish();
}

/** Parses ONNX bytes into plain objects (int64 as JS numbers, bytes as Uint8Array). */
export function decodeModel(bytes: Uint8Array): ModelProto {
  const message = ModelType.decode(bytes);
  return ModelType.toObject(message, { longs: Number, enums: Number, defaults: false, arrays: true }) as ModelProto;
}
