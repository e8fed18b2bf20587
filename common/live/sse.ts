/** One server-sent event as the WHATWG event-stream format defines it. */
export interface SseEvent {
  /** the last `id:` seen so far on the stream (it carries over to later events, as in EventSource) */
  id?: string;
  /** `event:`; "message" when absent */
  event: string;
  data: string;
}

/**
 * Incremental text/event-stream parser (WHATWG HTML "event stream interpretation"): feed it text as it
 * arrives, in chunks cut anywhere, and take the complete events. Comments (`:`) are skipped; `retry:` is
 * kept for the reconnect delay. Used by the data source (fetch streaming through Grafana's proxy) and tests.
 */
export class SseParser {
  lastEventId?: string;
  retryMs?: number;
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private hasData = false;

  push(chunk: string): SseEvent[] {
    this.buffer += chunk;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\r|\n/.exec(this.buffer);
      // a lone CR at the end may be the first half of CRLF: wait for the next chunk
      if (!m || (m[0] === '\r' && m.index === this.buffer.length - 1)) break;
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const ev = this.line(line);
      if (ev) out.push(ev);
    }
    return out;
  }

  private line(line: string): SseEvent | undefined {
    if (line === '') {
      // dispatch: an event without data lines is dropped (only its id sticks)
      const ev = this.hasData
        ? { id: this.lastEventId, event: this.event || 'message', data: this.data.join('\n') }
        : undefined;
      this.data = [];
      this.event = '';
      this.hasData = false;
      return ev;
    }
    if (line.startsWith(':')) return undefined;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') {
      this.data.push(value);
      this.hasData = true;
    } else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.lastEventId = value;
    else if (field === 'retry' && /^\d+$/.test(value)) this.retryMs = Number(value);
    return undefined;
  }
}
