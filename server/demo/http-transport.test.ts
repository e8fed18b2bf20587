import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createKongHttpTransport, KONG_USER_AGENT } from './http-transport';

/** a receiver answering with the given statuses in turn (the last one repeats) */
async function receiver(statuses: number[]) {
  const seen: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ headers: req.headers, body: Buffer.concat(chunks).toString() });
      res.writeHead(statuses[Math.min(seen.length - 1, statuses.length - 1)]);
      res.end('nope');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/traces`;
  return { url, seen, close: () => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }) };
}

describe('kong http transport', () => {
  it('POSTs the body with Kong headers and succeeds on 200', async () => {
    const rx = await receiver([200]);
    const t = createKongHttpTransport({ url: rx.url, headers: { 'Content-Type': 'application/x-protobuf', 'x-token': 't' } });
    const res = await t.send(new TextEncoder().encode('payload'), 5000);
    t.shutdown();
    await rx.close();
    expect(res.status).toBe('success');
    expect(rx.seen).toHaveLength(1);
    expect(rx.seen[0].body).toBe('payload');
    expect(rx.seen[0].headers).toMatchObject({ 'content-type': 'application/x-protobuf', 'x-token': 't', 'user-agent': KONG_USER_AGENT, 'content-length': '7' });
    expect(rx.seen[0].headers['content-encoding']).toBeUndefined();
  });

  it('retries 503 then succeeds', async () => {
    const rx = await receiver([503, 200]);
    const t = createKongHttpTransport({ url: rx.url, headers: {}, initialBackoffMs: 1 });
    const res = await t.send(new Uint8Array([1]), 5000);
    t.shutdown();
    await rx.close();
    expect(res.status).toBe('success');
    expect(rx.seen).toHaveLength(2);
  });

  it('does not retry a 400 and reports status and body', async () => {
    const rx = await receiver([400]);
    const t = createKongHttpTransport({ url: rx.url, headers: {}, initialBackoffMs: 1 });
    const res = await t.send(new Uint8Array([1]), 5000);
    t.shutdown();
    await rx.close();
    expect(rx.seen).toHaveLength(1);
    expect(res).toMatchObject({ status: 'failure', error: { message: '400 Bad Request: nope' } });
  });

  it('gives up after maxAttempts on a refused connection, with the cause', async () => {
    const rx = await receiver([200]);
    await rx.close(); // nothing listens on that port any more
    const t = createKongHttpTransport({ url: rx.url, headers: {}, maxAttempts: 2, initialBackoffMs: 1 });
    const res = await t.send(new Uint8Array([1]), 5000);
    t.shutdown();
    expect(res.status).toBe('failure');
    expect(res.status === 'failure' && res.error.message).toMatch(/ECONNREFUSED/);
  });
});
