// Server-Sent Events over fetch(): EventSource cannot send the X-Api-Key header, so the dashboard reads the
// text/event-stream body itself with a ReadableStream reader and parses it (WHATWG SSE field rules, the subset we need).

import { apiFetch } from './api.js';

/**
 * Incremental SSE parser. feed() takes any chunk of text (events may be split across chunks) and returns the
 * events completed by it as {event, data, id}; `event` defaults to "message".
 */
export function createSseParser() {
  let buffer = '';
  let event = null;
  let data = [];
  let id = null;
  return {
    feed(text) {
      buffer += text;
      const done = [];
      let nl;
      while ((nl = buffer.search(/\r\n|\r|\n/)) >= 0) {
        // A CR as the last character may be the first half of a CRLF split across chunks: wait for the next one.
        if (nl === buffer.length - 1 && buffer[nl] === '\r') break;
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + (buffer.startsWith('\r\n', nl) ? 2 : 1));
        if (line === '') { // blank line: dispatch
          if (data.length > 0) done.push({ event: event ?? 'message', data: data.join('\n'), id });
          event = null; data = [];
          continue;
        }
        if (line.startsWith(':')) continue; // comment / keep-alive
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? '' : line.slice(colon + 1);
        if (value.startsWith(' ')) value = value.slice(1);
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
        else if (field === 'id') id = value;
      }
      return done;
    },
  };
}

/**
 * Streams the events of `path` (with the API key header) to onEvent until the server ends the stream or
 * `signal` aborts. Resolves when the stream ends; rejects with an ApiError for a non-2xx answer.
 */
export async function streamEvents(path, onEvent, signal) {
  const response = await apiFetch(path, { headers: { Accept: 'text/event-stream' }, signal });
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  const parser = createSseParser();
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      for (const ev of parser.feed(decoder.decode(value, { stream: true }))) onEvent(ev);
    }
    for (const ev of parser.feed(decoder.decode() + '\n\n')) onEvent(ev);
  } finally {
    reader.releaseLock();
  }
}
