/**
 * The TensorFlow protocol buffers that event files carry, as a protobufjs JSON descriptor.
 * Field numbers and types are TensorFlow's (checked against `core/util/event.proto`,
 * `core/framework/{summary,tensor,tensor_shape,types,graph,node_def,attr_value,versions}.proto`);
 * only the messages and fields idem writes or reads are declared, and a decoder skips the rest
 * as protobuf requires. Field names are camelCased (protobufjs's convention for JSON descriptors);
 * the wire format only knows the numbers.
 */
import protobuf from 'protobufjs';

const DESCRIPTOR: protobuf.INamespace = {
  nested: {
    tensorflow: {
      nested: {
        // event.proto
        Event: {
          oneofs: { what: { oneof: ['fileVersion', 'graphDef', 'summary'] } },
          fields: {
            wallTime: { type: 'double', id: 1 },
            step: { type: 'int64', id: 2 },
            fileVersion: { type: 'string', id: 3 },
            graphDef: { type: 'bytes', id: 4 },
            summary: { type: 'Summary', id: 5 },
          },
        },
        // summary.proto
        HistogramProto: {
          fields: {
            min: { type: 'double', id: 1 },
            max: { type: 'double', id: 2 },
            num: { type: 'double', id: 3 },
            sum: { type: 'double', id: 4 },
            sumSquares: { type: 'double', id: 5 },
            bucketLimit: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
            bucket: { rule: 'repeated', type: 'double', id: 7, options: { packed: true } },
          },
        },
        SummaryMetadata: {
          fields: {
            pluginData: { type: 'PluginData', id: 1 },
            displayName: { type: 'string', id: 2 },
            summaryDescription: { type: 'string', id: 3 },
            dataClass: { type: 'int32', id: 4 },
          },
          nested: {
            PluginData: {
              fields: {
                pluginName: { type: 'string', id: 1 },
                content: { type: 'bytes', id: 2 },
              },
            },
          },
        },
        Summary: {
          fields: { value: { rule: 'repeated', type: 'Value', id: 1 } },
          nested: {
            Value: {
              oneofs: { value: { oneof: ['simpleValue', 'histo', 'tensor'] } },
              fields: {
                nodeName: { type: 'string', id: 7 },
                tag: { type: 'string', id: 1 },
                metadata: { type: 'SummaryMetadata', id: 9 },
                simpleValue: { type: 'float', id: 2 },
                histo: { type: 'HistogramProto', id: 5 },
                tensor: { type: 'TensorProto', id: 8 },
              },
            },
          },
        },
        // types.proto (the values idem uses)
        DataType: { values: { DT_INVALID: 0, DT_FLOAT: 1, DT_DOUBLE: 2, DT_INT32: 3, DT_UINT8: 4, DT_STRING: 7, DT_INT64: 9, DT_BOOL: 10 } },
        // tensor_shape.proto
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'Dim', id: 2 },
            unknownRank: { type: 'bool', id: 3 },
          },
          nested: { Dim: { fields: { size: { type: 'int64', id: 1 }, name: { type: 'string', id: 2 } } } },
        },
        // tensor.proto
        TensorProto: {
          fields: {
            dtype: { type: 'DataType', id: 1 },
            tensorShape: { type: 'TensorShapeProto', id: 2 },
            versionNumber: { type: 'int32', id: 3 },
            tensorContent: { type: 'bytes', id: 4 },
            floatVal: { rule: 'repeated', type: 'float', id: 5, options: { packed: true } },
            doubleVal: { rule: 'repeated', type: 'double', id: 6, options: { packed: true } },
            intVal: { rule: 'repeated', type: 'int32', id: 7, options: { packed: true } },
            stringVal: { rule: 'repeated', type: 'bytes', id: 8 },
            int64Val: { rule: 'repeated', type: 'int64', id: 10, options: { packed: true } },
            boolVal: { rule: 'repeated', type: 'bool', id: 11, options: { packed: true } },
          },
        },
        // attr_value.proto
        AttrValue: {
          oneofs: { value: { oneof: ['list', 's', 'i', 'f', 'b', 'type', 'shape', 'tensor'] } },
          fields: {
            list: { type: 'ListValue', id: 1 },
            s: { type: 'bytes', id: 2 },
            i: { type: 'int64', id: 3 },
            f: { type: 'float', id: 4 },
            b: { type: 'bool', id: 5 },
            type: { type: 'DataType', id: 6 },
            shape: { type: 'TensorShapeProto', id: 7 },
            tensor: { type: 'TensorProto', id: 8 },
          },
          nested: {
            ListValue: {
              fields: {
                s: { rule: 'repeated', type: 'bytes', id: 2 },
                i: { rule: 'repeated', type: 'int64', id: 3, options: { packed: true } },
                f: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
                b: { rule: 'repeated', type: 'bool', id: 5, options: { packed: true } },
                type: { rule: 'repeated', type: 'DataType', id: 6, options: { packed: true } },
                shape: { rule: 'repeated', type: 'TensorShapeProto', id: 7 },
              },
            },
          },
        },
        // node_def.proto
        NodeDef: {
          fields: {
            name: { type: 'string', id: 1 },
            op: { type: 'string', id: 2 },
            input: { rule: 'repeated', type: 'string', id: 3 },
            device: { type: 'string', id: 4 },
            attr: { keyType: 'string', type: 'AttrValue', id: 5 } as protobuf.IMapField,
          },
        },
        // versions.proto
        VersionDef: {
          fields: {
            producer: { type: 'int32', id: 1 },
            minConsumer: { type: 'int32', id: 2 },
            badConsumers: { rule: 'repeated', type: 'int32', id: 3, options: { packed: true } },
          },
        },
        // graph.proto
        GraphDef: {
          fields: {
            node: { rule: 'repeated', type: 'NodeDef', id: 1 },
            versions: { type: 'VersionDef', id: 4 },
          },
        },
      },
    },
  },
};

const ROOT = protobuf.Root.fromJSON(DESCRIPTOR);

export const EventType = ROOT.lookupType('tensorflow.Event');
export const GraphDefType = ROOT.lookupType('tensorflow.GraphDef');

/** DataType enum values (types.proto). */
export const DT = { FLOAT: 1, DOUBLE: 2, INT32: 3, STRING: 7, INT64: 9, BOOL: 10 } as const;

// ---- plain-object shapes of the messages (what `encode` takes and `decode` gives back)

export interface PluginData {
  pluginName?: string;
  content?: Uint8Array;
}
export interface SummaryMetadata {
  pluginData?: PluginData;
  displayName?: string;
  summaryDescription?: string;
}
export interface HistogramProto {
  min: number;
  max: number;
  num: number;
  sum: number;
  sumSquares: number;
  bucketLimit: number[];
  bucket: number[];
}
export interface TensorShapeProto {
  dim?: { size: number; name?: string }[];
  unknownRank?: boolean;
}
export interface TensorProto {
  dtype: number;
  tensorShape?: TensorShapeProto;
  tensorContent?: Uint8Array;
  floatVal?: number[];
  doubleVal?: number[];
  intVal?: number[];
  stringVal?: Uint8Array[];
}
export interface SummaryValue {
  tag: string;
  metadata?: SummaryMetadata;
  simpleValue?: number;
  histo?: HistogramProto;
  tensor?: TensorProto;
}
export interface SummaryProto {
  value: SummaryValue[];
}
export interface EventProto {
  wallTime: number;
  step?: number;
  fileVersion?: string;
  graphDef?: Uint8Array;
  summary?: SummaryProto;
}
export interface AttrValue {
  list?: { s?: Uint8Array[]; i?: number[]; f?: number[]; b?: boolean[]; type?: number[]; shape?: TensorShapeProto[] };
  s?: Uint8Array;
  i?: number;
  f?: number;
  b?: boolean;
  type?: number;
  shape?: TensorShapeProto;
  tensor?: TensorProto;
}
export interface NodeDef {
  name: string;
  op: string;
  input?: string[];
  device?: string;
  attr?: Record<string, AttrValue>;
}
export interface GraphDef {
  node: NodeDef[];
  versions?: { producer?: number; minConsumer?: number };
}

function toObject(type: protobuf.Type, bytes: Uint8Array): unknown {
  // longs as numbers; bytes stay Uint8Array (Buffer in Node) and enums numbers; absent fields absent.
  return type.toObject(type.decode(bytes), { longs: Number, defaults: false, arrays: true });
}

export function encodeEvent(e: EventProto): Uint8Array {
  return EventType.encode(EventType.fromObject(e as unknown as Record<string, unknown>)).finish();
}
export function decodeEvent(bytes: Uint8Array): EventProto {
  return toObject(EventType, bytes) as EventProto;
}
export function encodeGraphDef(g: GraphDef): Uint8Array {
  return GraphDefType.encode(GraphDefType.fromObject(g as unknown as Record<string, unknown>)).finish();
}
export function decodeGraphDef(bytes: Uint8Array): GraphDef {
  return toObject(GraphDefType, bytes) as GraphDef;
}
