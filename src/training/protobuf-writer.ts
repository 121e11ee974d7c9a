/**
 * The few protobuf wire-format pieces needed to write an ONNX file: varints,
 * length-delimited fields and nested messages. Writing them by hand keeps the
 * output byte-for-byte reproducible and the dependency list short.
 */

const WireType = { Varint: 0, LengthDelimited: 2 } as const;
type WireType = (typeof WireType)[keyof typeof WireType];

const textEncoder = new TextEncoder();

/** One encoded field or message: a list of byte chunks joined at the end. */
export type Encoded = Uint8Array;

function encodeVarint(value: bigint): Uint8Array {
  if (value < 0n) value = BigInt.asUintN(64, value); // int64 negatives take ten bytes, as protobuf does
  const bytes: number[] = [];
  do {
    let byte = Number(value & 0x7fn);
    value >>= 7n;
    if (value !== 0n) byte |= 0x80;
    bytes.push(byte);
  } while (value !== 0n);
  return Uint8Array.from(bytes);
}

function tag(field: number, wireType: WireType): Uint8Array {
  return encodeVarint(BigInt((field << 3) | wireType));
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.length, 0);
  const out = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

export function varintField(field: number, value: number | bigint): Encoded {
  return concatBytes([tag(field, WireType.Varint), encodeVarint(BigInt(value))]);
}

export function bytesField(field: number, value: Uint8Array): Encoded {
  return concatBytes([tag(field, WireType.LengthDelimited), encodeVarint(BigInt(value.length)), value]);
}

export function stringField(field: number, value: string): Encoded {
  return bytesField(field, textEncoder.encode(value));
}

/** A nested message is a length-delimited field holding the message's own fields. */
export function messageField(field: number, ...fields: readonly Encoded[]): Encoded {
  return bytesField(field, concatBytes(fields));
}
