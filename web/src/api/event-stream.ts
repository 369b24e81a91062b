import { createSseParser, type SseMessage } from '../lib/sse.ts';
import { ApiError } from './api-error.ts';

/**
 * Reads a batch's live event stream (`GET …/batch-calls/:id/events`, contract "Live progress") with
 * fetch and a streamed body, sending the API key and the last event id seen. Resolves `end` when the
 * service sent `event: end`, `closed` when it closed the stream otherwise (its time limit: reconnect
 * with the last id); rejects when the stream cannot be opened or breaks.
 */
export async function readEventStream(options: {
  url: string;
  apiKey: string;
  lastEventId: string | null;
  signal: AbortSignal;
  onMessage(message: SseMessage): void;
}): Promise<'end' | 'closed'> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.apiKey}`,
    accept: 'text/event-stream',
  };
  if (options.lastEventId !== null) headers['last-event-id'] = options.lastEventId;
  let response: Response;
  try {
    response = await fetch(options.url, { headers, signal: options.signal, cache: 'no-store' });
  } catch {
    throw new ApiError(0, 'network_error', 'The live event stream could not be opened.');
  }
  if (!response.ok || response.body === null) {
    throw new ApiError(response.status, 'http_error', `The live event stream answered ${response.status}.`);
  }
  let ended = false;
  const push = createSseParser((message) => {
    if (message.event === 'end') ended = true;
    options.onMessage(message);
  });
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    push(value);
    if (ended) {
      await reader.cancel();
      return 'end';
    }
  }
  return 'closed';
}
