import { describe, expect, it } from 'vitest';
import { createSseParser, type SseMessage } from '../../web/src/lib/sse.ts';

/** The dashboard's Server-Sent Events parser (web/src/lib/sse.ts), fed as a streamed body feeds it. */

function parse(chunks: string[]): SseMessage[] {
  const out: SseMessage[] = [];
  const push = createSseParser((m) => out.push(m));
  for (const chunk of chunks) push(chunk);
  return out;
}

describe('the dashboard SSE parser', () => {
  it('reads id, event and data, skipping comments', () => {
    expect(
      parse(['id: 4\nevent: batch\ndata: {"a":1}\n\n: keep-alive\n\nid: 5\nevent: end\ndata: {}\n\n']),
    ).toEqual([
      { id: '4', event: 'batch', data: '{"a":1}' },
      { id: '5', event: 'end', data: '{}' },
    ]);
  });

  it('joins events split anywhere across chunks, CRLF included', () => {
    const text =
      'id: 1\r\nevent: recipient\r\ndata: {"index":0}\r\n\r\nid: 2\nevent: batch\ndata: x\ndata: y\n\n';
    for (const at of [1, 6, 7, 20, 21, 30, 35, text.length - 1]) {
      expect(parse([text.slice(0, at), text.slice(at)]), `split at ${at}`).toEqual([
        { id: '1', event: 'recipient', data: '{"index":0}' },
        { id: '2', event: 'batch', data: 'x\ny' },
      ]);
    }
  });

  it('sends nothing for an event not yet ended by a blank line', () => {
    expect(parse(['id: 1\nevent: batch\ndata: {}\n'])).toEqual([]);
  });
});
