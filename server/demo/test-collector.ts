/**
 * Test helper: a tiny OTLP/HTTP receiver on 127.0.0.1 (random port) that keeps every POST.
 * Answers 200 like a real receiver must (Kong retries anything else).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  contentType: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

export interface Collector {
  url: string;
  received: Received[];
  /* eslint-disable @typescript-eslint/no-explicit-any */
  /** JSON bodies of one path, parsed */
  json(path: '/v1/traces' | '/v1/logs'): any[];
  close(): Promise<void>;
}

export async function startCollector(status = 200): Promise<Collector> {
  const received: Received[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', contentType: String(req.headers['content-type'] ?? ''), headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    json: (path) => received.filter((r) => r.path === path).map((r) => JSON.parse(r.body.toString('utf8'))),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
