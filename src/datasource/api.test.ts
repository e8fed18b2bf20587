import { DebuggerApiError, toApiError, toParams } from './api';

describe('toParams', () => {
  it('drops empty values and keeps falsy-but-meaningful ones', () => {
    expect(toParams({ a: undefined, b: '', c: 0, d: false, e: 'x', f: NaN, g: null })).toEqual({ c: 0, d: false, e: 'x' });
  });
});

describe('toApiError', () => {
  it("keeps the backend's ApiError message, status and rule errors", () => {
    const err = toApiError(
      {
        status: 400,
        statusText: 'Bad Request',
        data: { statusCode: 400, error: 'Bad Request', message: 'invalid expression', errors: [{ message: 'unknown field', start: 0, end: 4 }] },
      },
      'create session'
    );
    expect(err).toBeInstanceOf(DebuggerApiError);
    expect(err).toMatchObject({ message: 'invalid expression', status: 400, errors: [{ message: 'unknown field', start: 0, end: 4 }] });
  });

  it('describes an HTTP failure without an ApiError body', () => {
    expect(toApiError({ status: 502, statusText: 'Bad Gateway', data: '' }, 'list sessions').message).toBe(
      'list sessions failed: HTTP 502 Bad Gateway'
    );
    expect(toApiError({ status: 0, data: undefined }, 'health check').message).toBe(
      'health check failed: no response (server unreachable?)'
    );
  });

  it('wraps any other exception with what was being done', () => {
    const err = toApiError(new TypeError('boom'), 'get trace');
    expect(err).toMatchObject({ message: 'get trace failed: boom', status: 0 });
  });
});
