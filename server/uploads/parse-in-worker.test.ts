import { strToU8 } from 'fflate';
import { enterpriseTraceFixture } from '../../common/spans/testing';
import { encodeTraceJson } from '../otlp/encode-json';
import { parseUpload, UploadError } from './parse';
import { parseUploadOffThread, stopUploadWorker } from './parse-in-worker';

afterAll(() => stopUploadWorker());

describe('parseUploadOffThread', () => {
  const fx = enterpriseTraceFixture();
  const big = strToU8(JSON.stringify(encodeTraceJson({ ...fx, spans: Array.from({ length: 40 }, () => fx.spans).flat().map((s, i) => ({ ...s, spanId: (i + 1).toString(16).padStart(16, '0') })) })));

  it('gives what parseUpload gives, from the worker thread for large files', async () => {
    expect(big.length).toBeGreaterThan(64 * 1024);
    const onThread = await parseUploadOffThread(big);
    expect(onThread).toEqual(parseUpload(big));
    expect(typeof onThread.traces.spans[0].startNs).toBe('bigint');
  });

  it('keeps the event loop free while a large file is parsed', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    await Promise.all([parseUploadOffThread(big), parseUploadOffThread(big), parseUploadOffThread(big)]);
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
  });

  it('reports an unreadable file as an UploadError with its reason', async () => {
    const bad = new Uint8Array(big);
    bad[1] = 0x7d; // the document closes at once: what follows is not JSON
    await expect(parseUploadOffThread(bad)).rejects.toThrow(UploadError);
    await expect(parseUploadOffThread(bad)).rejects.toThrow(/^invalid JSON at line 1, column 3/);
    await expect(parseUploadOffThread(new Uint8Array())).rejects.toThrow('the file is empty');
  });
});
