/**
 * An incremental server-sent-events parser. The page reads the event stream
 * with fetch (EventSource cannot send an Authorization header), so it parses
 * the chunks itself. Pure: used by the page, tested here.
 */

export interface ServerSentEvent {
  /** "message" unless the stream named it. */
  readonly event: string;
  readonly data: string;
}

export class SseParser {
  #buffer = '';
  #event = '';
  #data: string[] = [];

  /** Feeds a chunk of text; returns the events it completed. */
  push(chunk: string): ServerSentEvent[] {
    this.#buffer += chunk;
    const events: ServerSentEvent[] = [];
    for (;;) {
      const end = this.#buffer.search(/\r\n|\r|\n/);
      if (end < 0) break;
      // A lone \r at the end may be the first half of \r\n: wait for the rest.
      if (end === this.#buffer.length - 1 && this.#buffer.endsWith('\r')) break;
      const newline = this.#buffer.startsWith('\r\n', end) ? 2 : 1;
      const line = this.#buffer.slice(0, end);
      this.#buffer = this.#buffer.slice(end + newline);
      if (line === '') {
        if (this.#data.length > 0) events.push({ event: this.#event || 'message', data: this.#data.join('\n') });
        this.#event = '';
        this.#data = [];
        continue;
      }
      if (line.startsWith(':')) continue; // a comment: keep-alive
      const colon = line.indexOf(':');
      const field = colon < 0 ? line : line.slice(0, colon);
      let value = colon < 0 ? '' : line.slice(colon + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') this.#event = value;
      else if (field === 'data') this.#data.push(value);
    }
    return events;
  }
}
