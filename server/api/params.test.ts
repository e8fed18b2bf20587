import { BadRequestError, parseTraceFilters, parseTraceSearch } from './params';

describe('parseTraceSearch', () => {
  it('takes the session list filters, the ids a user knows and span attributes', () => {
    const f = parseTraceSearch({
      status: '5xx',
      requestId: ' 8f3b2c1d ',
      traceId: Buffer.from('0af7651916cd43dd8448eb211c80319c', 'hex').toString('base64'),
      upstreamStatus: '502',
      'attr.http.route': '/orders',
      'attr.__proto__': 'x',
      limit: '10',
    });
    expect({ ...f, attributes: { ...f.attributes } }).toEqual({
      status: '5xx',
      requestId: '8f3b2c1d',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      upstreamStatus: '502',
      limit: 10,
      attributes: { 'http.route': '/orders', ['__proto__']: 'x' },
    });
    expect(Object.keys(f.attributes!)).toEqual(['http.route', '__proto__']);
  });

  it('keeps the per-session list to its own filters', () => {
    expect(() => parseTraceFilters({ requestId: 'x' })).toThrow(BadRequestError);
    expect(() => parseTraceFilters({ 'attr.x': 'y' })).toThrow(/unknown query parameter "attr.x"/);
  });
});
