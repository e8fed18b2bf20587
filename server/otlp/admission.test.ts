import { AdmissionGate, CostClock, DEFAULT_ADMISSION_LIMITS, ewma, resolveAdmissionLimits, retryAfterSeconds } from './admission';

describe('retryAfterSeconds', () => {
  test('queue depth × cost per request, rounded up to whole seconds', () => {
    expect(retryAfterSeconds(250, 10)).toBe(3); // 2.5 s
    expect(retryAfterSeconds(100, 20)).toBe(2);
    expect(retryAfterSeconds(1000, 7)).toBe(7);
  });

  test('clamped to 1..30 s', () => {
    expect(retryAfterSeconds(0, 64)).toBe(1); // no measurement yet
    expect(retryAfterSeconds(5, 1)).toBe(1);
    expect(retryAfterSeconds(2000, 64)).toBe(30);
    expect(retryAfterSeconds(NaN, 3)).toBe(1);
    expect(retryAfterSeconds(Infinity, 3)).toBe(1);
  });
});

test('ewma: first sample as is, then moves a fifth of the way', () => {
  expect(ewma(undefined, 100)).toBe(100);
  expect(ewma(100, 200)).toBe(120);
  expect(ewma(100, 0, 0.5)).toBe(50);
});

describe('CostClock', () => {
  test('busy time per completion; idle time does not count', () => {
    let t = 0;
    const c = new CostClock(() => t);
    expect(c.cost).toBe(0);
    t = 1000; // idle until the first admission
    c.advance(false);
    t = 1040;
    c.advance(true);
    c.completed();
    expect(c.cost).toBe(40);
    t = 5000; // idle again
    c.advance(false);
    t = 5260;
    c.advance(true);
    c.completed();
    expect(c.cost).toBe(150); // (40 + 260) / 2
  });

  test('completions in bursts: the cost stays near the average, not 0 after each burst; old completions leave the window', () => {
    let t = 0;
    const c = new CostClock(() => t, 32);
    for (let burst = 0; burst < 12; burst++) {
      t += 300; // 300 ms of work, then 6 requests finish at once
      for (let i = 0; i < 6; i++) {
        c.advance(true);
        c.completed();
      }
      expect(c.cost).toBeGreaterThan(40);
      expect(c.cost).toBeLessThanOrEqual(60);
    }
    // then faster: 6 every 60 ms
    for (let burst = 0; burst < 12; burst++) {
      t += 60;
      for (let i = 0; i < 6; i++) {
        c.advance(true);
        c.completed();
      }
    }
    expect(c.cost).toBeGreaterThan(8);
    expect(c.cost).toBeLessThanOrEqual(12);
  });
});

describe('resolveAdmissionLimits', () => {
  test('defaults, overrides, startup errors', () => {
    // a client's share is half of each limit; the expected wait is bounded at 500 ms
    const derived = { maxInFlightRequestsPerClient: 32, maxInFlightBytesPerClient: 32 * 1024 * 1024, maxQueueWaitMs: 500 };
    expect(resolveAdmissionLimits()).toEqual({ ...DEFAULT_ADMISSION_LIMITS, ...derived });
    expect(resolveAdmissionLimits({ maxInFlightRequests: 8, maxInFlightBytes: undefined })).toEqual({ ...DEFAULT_ADMISSION_LIMITS, ...derived, maxInFlightRequests: 8, maxInFlightRequestsPerClient: 4 });
    expect(resolveAdmissionLimits({ maxInFlightRequests: 3, maxInFlightRequestsPerClient: 3, maxQueueWaitMs: 100 })).toMatchObject({ maxInFlightRequestsPerClient: 3, maxInFlightBytesPerClient: 32 * 1024 * 1024, maxQueueWaitMs: 100 });
    expect(() => resolveAdmissionLimits({ maxInFlightRequestsPerClient: 0 })).toThrow('OTLP limit maxInFlightRequestsPerClient must be a positive integer, got 0');
    expect(() => resolveAdmissionLimits({ maxInFlightBytes: 0 })).toThrow('OTLP limit maxInFlightBytes must be a positive integer, got 0');
    expect(() => resolveAdmissionLimits({ maxInFlightRequests: 1.5 })).toThrow(/maxInFlightRequests/);
  });
});

describe('AdmissionGate', () => {
  test('admits up to the request limit, then refuses; a release makes room', () => {
    const gate = new AdmissionGate({ maxInFlightRequests: 2, maxInFlightBytes: 1000 });
    const a = gate.tryAdmit(10)!;
    const b = gate.tryAdmit(10)!;
    expect(a && b).toBeTruthy();
    expect(gate.tryAdmit(0)).toBeUndefined();
    expect(gate.stats).toMatchObject({ inFlightRequests: 2, inFlightBytes: 20, peakInFlightBytes: 20 });
    a.release();
    expect(gate.tryAdmit(0)).toBeDefined();
  });

  test('admits up to the byte limit; a lone request always passes', () => {
    const gate = new AdmissionGate({ maxInFlightRequests: 10, maxInFlightBytes: 100 });
    const big = gate.tryAdmit(500)!; // alone: admitted, or it could never be stored
    expect(big).toBeDefined();
    expect(gate.tryAdmit(1)).toBeUndefined();
    big.release();
    const a = gate.tryAdmit(60)!;
    expect(gate.tryAdmit(41)).toBeUndefined();
    expect(gate.tryAdmit(40)).toBeDefined();
    expect(gate.stats).toMatchObject({ inFlightRequests: 2, inFlightBytes: 100, peakInFlightBytes: 500 });
    a.release();
    expect(gate.stats).toMatchObject({ inFlightRequests: 1, inFlightBytes: 40 });
  });

  test('grow: counted while within the limit, or while the ticket is alone', () => {
    const gate = new AdmissionGate({ maxInFlightRequests: 10, maxInFlightBytes: 100 });
    const a = gate.tryAdmit(0)!;
    expect(a.grow(150)).toBe(true); // alone
    const b = gate.tryAdmit(0);
    expect(b).toBeUndefined(); // 150 > 100
    a.release();
    const c = gate.tryAdmit(50)!;
    const d = gate.tryAdmit(0)!;
    expect(d.grow(50)).toBe(true);
    expect(d.grow(1)).toBe(false);
    expect(c.grow(1)).toBe(false);
    expect(gate.stats.inFlightBytes).toBe(100);
    c.release();
    d.release();
    expect(gate.stats).toMatchObject({ inFlightRequests: 0, inFlightBytes: 0 });
  });

  test('a hold keeps the ticket counted past the response; released once however often called', () => {
    const gate = new AdmissionGate({ maxInFlightRequests: 1, maxInFlightBytes: 100 });
    const t = gate.tryAdmit(30)!;
    const unhold = t.hold();
    t.release(); // the response closed (client gone) while ingest runs
    expect(gate.stats).toMatchObject({ inFlightRequests: 1, inFlightBytes: 30 });
    expect(gate.tryAdmit(0)).toBeUndefined();
    unhold();
    unhold();
    t.release();
    expect(gate.stats).toMatchObject({ inFlightRequests: 0, inFlightBytes: 0 });
  });

  test('a hold taken after the response closed counts the ticket again', () => {
    const gate = new AdmissionGate({ maxInFlightRequests: 4, maxInFlightBytes: 100 });
    const t = gate.tryAdmit(30)!;
    t.release();
    expect(gate.stats.inFlightRequests).toBe(0);
    const unhold = t.hold();
    expect(gate.stats).toMatchObject({ inFlightRequests: 1, inFlightBytes: 30 });
    unhold();
    expect(gate.stats).toMatchObject({ inFlightRequests: 0, inFlightBytes: 0 });
  });

  test('Retry-After follows the measured cost and the queue', () => {
    let t = 0;
    const gate = new AdmissionGate({ maxInFlightRequests: 40, maxInFlightBytes: 1e9 }, () => t);
    expect(gate.retryAfter()).toBe(1);
    // 40 requests in flight, one finishing every 200 ms
    const tickets = Array.from({ length: 40 }, () => gate.tryAdmit(1)!);
    for (let i = 0; i < 10; i++) {
      t += 200;
      tickets[i].release();
      tickets[i] = gate.tryAdmit(1)!;
    }
    expect(gate.stats.inFlightRequests).toBe(40);
    expect(gate.retryAfter()).toBe(8); // 40 × 0.2 s
    for (const x of tickets.slice(0, 35)) x.release();
    expect(gate.retryAfter()).toBeLessThan(8);
  });
});

describe('AdmissionGate: per-client share, expected wait, suspension', () => {
  test('a client takes at most its share of requests and bytes; others are still admitted', () => {
    const gate = new AdmissionGate({ maxInFlightRequests: 4, maxInFlightBytes: 1000, maxInFlightRequestsPerClient: 2, maxInFlightBytesPerClient: 300 });
    const a1 = gate.tryAdmit(100, 'a')!;
    gate.tryAdmit(100, 'a')!;
    expect(gate.tryAdmit(0, 'a')).toBeUndefined();
    expect(gate.lastRefusal).toEqual({ kind: 'client', client: 'a', requests: 2, bytes: 200 });
    expect(gate.tryAdmit(0, 'b')).toBeDefined();
    a1.release();
    // a's bytes share: 100 in flight, 250 more would pass 300
    expect(gate.tryAdmit(250, 'a')).toBeUndefined();
    expect(gate.tryAdmit(200, 'a')).toBeDefined();
  });

  test('a client alone in flight may pass its share (one at a time), as a lone request may pass the limits', () => {
    const gate = new AdmissionGate({ maxInFlightRequests: 4, maxInFlightBytes: 1000, maxInFlightRequestsPerClient: 1, maxInFlightBytesPerClient: 100 });
    const b = gate.tryAdmit(10, 'b')!;
    const a = gate.tryAdmit(500, 'a')!; // a has nothing in flight
    expect(a).toBeDefined();
    expect(a.grow(100)).toBe(true); // still a's only request
    b.release();
    a.release();
    expect(gate.stats).toMatchObject({ inFlightRequests: 0, inFlightBytes: 0 });
  });

  test('refused when the expected wait (requests ahead × cost + loop delay) passes maxQueueWaitMs, past a floor of 8 in flight', () => {
    let t = 0;
    let lag = 0;
    const gate = new AdmissionGate({ maxInFlightRequests: 100, maxInFlightBytes: 1e9, maxQueueWaitMs: 500 }, () => t, () => lag);
    // measure a cost of 100 ms per request
    const first = gate.tryAdmit(0)!;
    t += 100;
    first.release();
    expect(gate.costMs).toBe(100);
    // below the floor a request is admitted whatever its wait (7 × 100 > 500)
    const tickets = Array.from({ length: 8 }, () => gate.tryAdmit(0)!);
    expect(tickets.every(Boolean)).toBe(true);
    expect(gate.expectedWaitMs()).toBe(800);
    expect(gate.tryAdmit(0)).toBeUndefined();
    expect(gate.lastRefusal).toEqual({ kind: 'wait', waitMs: 800, costMs: 100 });
    expect(gate.stats.inFlightRequests).toBe(8);
    tickets[0].release(); // a completion with no busy time: 200 ms for 2 requests
    expect(gate.costMs).toBe(50);
    // 7, 8, 9, 10 in flight: under the floor, then 400, 450, 500 ms: admitted
    for (let i = 0; i < 4; i++) expect(gate.tryAdmit(0)).toBeDefined();
    // 11 × 50 = 550 > 500
    expect(gate.tryAdmit(0)).toBeUndefined();
    lag = 1000;
    expect(gate.expectedWaitMs()).toBe(1550);
  });

  test('the event loop delay counts as wait', () => {
    let lag = 0;
    const gate = new AdmissionGate({ maxInFlightRequests: 100, maxInFlightBytes: 1e9, maxQueueWaitMs: 500 }, () => 0, () => lag);
    const tickets = Array.from({ length: 8 }, () => gate.tryAdmit(0)!);
    expect(tickets.every(Boolean)).toBe(true);
    expect(gate.tryAdmit(0)).toBeDefined(); // cost unknown (0), no lag
    lag = 600;
    expect(gate.tryAdmit(0)).toBeUndefined();
    expect(gate.lastRefusal).toEqual({ kind: 'wait', waitMs: 600, costMs: 0 });
  });

  test('a suspended ticket is not counted; it resumes if the hard limits allow, and its release is still exact', () => {
    const gate = new AdmissionGate({ maxInFlightRequests: 1, maxInFlightBytes: 1000, maxQueueWaitMs: 1 }, () => 0);
    const stalled = gate.tryAdmit(100, 'a')!;
    stalled.suspend();
    expect(gate.stats).toMatchObject({ inFlightRequests: 0, inFlightBytes: 0, suspended: 1 });
    const other = gate.tryAdmit(10, 'b')!;
    expect(stalled.resume()).toBe(false); // the one slot is taken
    expect(stalled.grow(5)).toBe(false);
    other.release();
    expect(stalled.resume()).toBe(true);
    expect(gate.stats).toMatchObject({ inFlightRequests: 1, inFlightBytes: 105, suspended: 0 });
    stalled.suspend();
    stalled.release(); // the response closed while suspended
    expect(gate.stats).toMatchObject({ inFlightRequests: 0, inFlightBytes: 0, suspended: 0 });
    expect(stalled.resume()).toBe(true); // nothing to count any more
    expect(gate.stats.inFlightRequests).toBe(0);
  });
});
