/**
 * A Server-Sent Events parser for a body read with fetch (EventSource cannot send the Authorization
 * header the API needs): text goes in as it arrives, whole events come out. The subset of the
 * format the service sends: `id`, `event` and `data` fields, `:` comments, events ended by a blank
 * line; CRLF and CR line ends are accepted as the format allows.
 */

export interface SseMessage {
  id: string | null;
  event: string;
  data: string;
}

export function createSseParser(onMessage: (message: SseMessage) => void): (text: string) => void {
  let buffer = '';
  let current: SseMessage = { id: null, event: 'message', data: '' };
  let hasData = false;
  const line = (text: string) => {
    if (text === '') {
      if (hasData) onMessage(current);
      current = { id: null, event: 'message', data: '' };
      hasData = false;
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') current.id = value;
    else if (field === 'event') current.event = value;
    else if (field === 'data') {
      current.data = hasData ? `${current.data}\n${value}` : value;
      hasData = true;
    }
  };
  // A chunk that ended on CR: a LF starting the next one is the same line end.
  let afterCr = false;
  return (text) => {
    buffer += afterCr && text.startsWith('\n') ? text.slice(1) : text;
    afterCr = buffer.endsWith('\r');
    const lines = buffer.split(/\r\n|\r|\n/);
    // The last piece may be a line still arriving.
    buffer = lines.pop() ?? '';
    for (const l of lines) line(l);
  };
}
