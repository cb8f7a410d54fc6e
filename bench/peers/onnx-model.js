// A minimal ONNX ModelProto encoder (protobuf wire format by hand) for one-node models, so the peer
// benchmark needs no .onnx files and no protobuf dependency. Field numbers are those of onnx.proto.
'use strict';

// --- protobuf wire format: varints (wire type 0) and length-delimited fields (wire type 2) ---
function varint(n) {
  // Non-negative integers only (all we need: ids, versions, lengths, dims); exact up to 2^53.
  const bytes = [];
  let v = n;
  while (v >= 0x80) {
    bytes.push((v % 0x80) | 0x80);
    v = Math.floor(v / 0x80);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}
const key = (field, wireType) => varint(field * 8 + wireType);
const int = (field, n) => Buffer.concat([key(field, 0), varint(n)]);
const bytes = (field, buf) => Buffer.concat([key(field, 2), varint(buf.length), buf]);
const str = (field, s) => bytes(field, Buffer.from(s, 'utf8'));
const msg = (field, parts) => bytes(field, Buffer.concat(parts));

// TensorProto.DataType
const FLOAT = 1;
// AttributeProto.AttributeType
const ATTR_INT = 2;

// TypeProto { tensor_type = 1: Tensor { elem_type = 1, shape = 2: TensorShapeProto { dim = 1: { dim_value = 1 | dim_param = 2 } } } }
function tensorType(field, elemType, shape) {
  const dims = shape.map((d) => msg(1, [typeof d === 'string' ? str(2, d) : int(1, d)]));
  return msg(field, [msg(1, [int(1, elemType), msg(2, dims)])]);
}
// ValueInfoProto { name = 1, type = 2 }
const valueInfo = (field, name, elemType, shape) => msg(field, [str(1, name), tensorType(2, elemType, shape)]);

// AttributeProto { name = 1, i = 3, type = 20 }
const intAttr = (name, value) => {
  // int64 fields use two's complement varints: a negative value is its 2^64 complement (10 bytes).
  const v = value >= 0 ? varint(value) : varint64Negative(value);
  return [str(1, name), Buffer.concat([key(3, 0), v]), int(20, ATTR_INT)];
};
function varint64Negative(n) {
  let v = BigInt.asUintN(64, BigInt(n));
  const out = [];
  while (v >= 0x80n) {
    out.push(Number(v & 0x7fn) | 0x80);
    v >>= 7n;
  }
  out.push(Number(v));
  return Buffer.from(out);
}

/**
 * A ModelProto with a single node `y = opType(x, attributes)` over float32 tensors of `shape`.
 * @param {string} opType e.g. 'Sigmoid', 'Softmax', 'LogSoftmax'
 * @param {Array<number|string>} shape input (= output) shape; strings are symbolic dims
 * @param {Record<string, number>} [attributes] integer attributes, e.g. { axis: -1 }
 * @param {number} [opset] default 13
 * @returns {Uint8Array} the serialized model, for `InferenceSession.create(bytes)`
 */
function oneNodeModel(opType, shape, attributes = {}, opset = 13) {
  // NodeProto { input = 1, output = 2, name = 3, op_type = 4, attribute = 5 }
  const node = msg(1, [
    str(1, 'x'),
    str(2, 'y'),
    str(3, `${opType.toLowerCase()}_0`),
    str(4, opType),
    ...Object.entries(attributes).map(([name, v]) => msg(5, intAttr(name, v))),
  ]);
  // GraphProto { node = 1, name = 2, input = 11, output = 12 }
  const graph = msg(7, [node, str(2, `sigmax_peer_${opType}`), valueInfo(11, 'x', FLOAT, shape), valueInfo(12, 'y', FLOAT, shape)]);
  // ModelProto { ir_version = 1, producer_name = 2, graph = 7, opset_import = 8: { domain = 1, version = 2 } }
  const model = Buffer.concat([int(1, 7), str(2, 'sigmax-bench'), graph, msg(8, [str(1, ''), int(2, opset)])]);
  return new Uint8Array(model.buffer, model.byteOffset, model.length);
}

module.exports = { oneNodeModel, varint };
