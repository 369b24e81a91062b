/**
 * A small Server-Sent Events client for tests: `fetch` with the API key (EventSource cannot send an
 * Authorization header), the body parsed as it arrives into events and comments, each stamped with
 * when it came.
 */

export interface SseEvent {
  id: string | null;
  event: string;
  data: string;
  at: number;
}

export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: { text: string; at: number }[];
  /** Resolves once the server has closed the stream. */
  closed: Promise<void>;
  isClosed(): boolean;
  /** Waits for an event that `match` accepts (among those received so far, then the next ones). */
  next(match: (e: SseEvent) => boolean, timeoutMs?: number): Promise<SseEvent>;
  /** Waits until `check` holds, re-checked as events and comments arrive. */
  until(check: () => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseStream> {
  const abort = new AbortController();
  const response = await fetch(url, { headers, signal: abort.signal });
  const events: SseEvent[] = [];
  const comments: { text: string; at: number }[] = [];
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  let closed = false;
  let buffer = '';
  const handleBlock = (block: string) => {
    const e: SseEvent = { id: null, event: 'message', data: '', at: Date.now() };
    let hasField = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) {
        comments.push({ text: line.slice(1).trim(), at: Date.now() });
        continue;
      }
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
      hasField = true;
      if (field === 'id') e.id = value;
      else if (field === 'event') e.event = value;
      else if (field === 'data') e.data = e.data ? `${e.data}\n${value}` : value;
    }
    if (hasField) events.push(e);
  };
  const closedPromise = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        buffer += decoder.decode(chunk, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          handleBlock(buffer.slice(0, end));
          buffer = buffer.slice(end + 2);
        }
        notify();
      }
    } catch {
      // Aborted by close().
    } finally {
      closed = true;
      notify();
    }
  })();

  const until = (check: () => boolean, timeoutMs = 20_000) =>
    new Promise<void>((resolve, reject) => {
      const test = () => {
        if (check()) {
          waiters.delete(test);
          clearTimeout(timer);
          resolve();
        } else if (closed) {
          waiters.delete(test);
          clearTimeout(timer);
          reject(
            new Error(
              `stream closed before the condition held; events: ${events.map((e) => e.event).join(',')}`,
            ),
          );
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(test);
        reject(new Error(`timed out; events so far: ${events.map((e) => `${e.id}:${e.event}`).join(',')}`));
      }, timeoutMs);
      waiters.add(test);
      test();
    });

  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    closed: closedPromise,
    isClosed: () => closed,
    async next(match, timeoutMs) {
      let found: SseEvent | undefined;
      await until(() => (found = events.find(match)) !== undefined, timeoutMs);
      return found as SseEvent;
    },
    until,
    close: () => abort.abort(),
  };
}
