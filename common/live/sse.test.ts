import { SseParser } from './sse';

describe('SseParser', () => {
  it('parses events cut anywhere, with ids carried over, comments and retry', () => {
    const text =
      'retry: 2000\n\n: keep-alive\n\nid: 1\nevent: traces\ndata: {"a":1}\n\nevent: status\ndata: x\ndata: y\n\n';
    for (let cut = 0; cut < text.length; cut++) {
      const p = new SseParser();
      const events = [...p.push(text.slice(0, cut)), ...p.push(text.slice(cut))];
      expect(events).toEqual([
        { id: '1', event: 'traces', data: '{"a":1}' },
        { id: '1', event: 'status', data: 'x\ny' },
      ]);
      expect(p.retryMs).toBe(2000);
    }
  });

  it('takes CRLF and CR line ends, and names an unnamed event "message"', () => {
    const p = new SseParser();
    expect(p.push('data: a\r\n\r\ndata:b\r')).toEqual([{ id: undefined, event: 'message', data: 'a' }]);
    expect(p.push('\r\n')).toEqual([{ id: undefined, event: 'message', data: 'b' }]);
  });

  it('keeps an incomplete event until its blank line, and drops events without data', () => {
    const p = new SseParser();
    expect(p.push('id: 7\n\nevent: x\ndata: 1')).toEqual([]);
    expect(p.lastEventId).toBe('7');
    expect(p.push('\n\n')).toEqual([{ id: '7', event: 'x', data: '1' }]);
  });
});
