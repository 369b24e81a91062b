/**
 * Turns what a function returned into an HTTP answer, by API Gateway's payload format 2.0 rules:
 * an object with `statusCode` is a structured result; any other JSON value becomes a 200
 * `application/json` answer whose body is that value; anything unusable is the gateway's 500.
 */

export interface HttpAnswer {
  statusCode: number;
  headers: Array<[string, string]>;
  body: Buffer;
}

export class MalformedResultError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedResultError';
  }
}

export function toHttpAnswer(result: unknown): HttpAnswer {
  if (result === undefined) throw new MalformedResultError('The function returned nothing');
  if (typeof result === 'string') {
    // A string is a JSON value like any other: API Gateway answers with it JSON-encoded.
    return jsonAnswer(JSON.stringify(result));
  }
  if (typeof result !== 'object' || result === null || !('statusCode' in result)) {
    return jsonAnswer(JSON.stringify(result));
  }
  const structured = result as {
    statusCode: unknown;
    headers?: unknown;
    body?: unknown;
    isBase64Encoded?: unknown;
    cookies?: unknown;
  };
  const statusCode = structured.statusCode;
  if (
    typeof statusCode !== 'number' ||
    !Number.isInteger(statusCode) ||
    statusCode < 100 ||
    statusCode > 599
  ) {
    throw new MalformedResultError(`Invalid statusCode ${String(statusCode)}`);
  }
  const headers: Array<[string, string]> = [];
  if (structured.headers !== undefined && structured.headers !== null) {
    if (typeof structured.headers !== 'object') throw new MalformedResultError('headers must be an object');
    for (const [name, value] of Object.entries(structured.headers)) {
      if (!['string', 'number', 'boolean'].includes(typeof value)) {
        throw new MalformedResultError(`Header ${name} must be a string, number or boolean`);
      }
      headers.push([name, String(value)]);
    }
  }
  if (structured.cookies !== undefined) {
    if (!Array.isArray(structured.cookies) || !structured.cookies.every((c) => typeof c === 'string')) {
      throw new MalformedResultError('cookies must be an array of strings');
    }
    for (const cookie of structured.cookies) headers.push(['set-cookie', cookie]);
  }
  let body = Buffer.alloc(0);
  if (structured.body !== undefined && structured.body !== null) {
    if (typeof structured.body !== 'string') throw new MalformedResultError('body must be a string');
    body =
      structured.isBase64Encoded === true
        ? Buffer.from(structured.body, 'base64')
        : Buffer.from(structured.body);
  }
  return { statusCode, headers, body };
}

function jsonAnswer(json: string): HttpAnswer {
  return { statusCode: 200, headers: [['content-type', 'application/json']], body: Buffer.from(json) };
}
