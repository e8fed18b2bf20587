/**
 * The V8 flags the server process runs with: bin/kong-debugger.js's shebang (`npx kong-debugger`), the image's
 * ENTRYPOINT (server/Dockerfile) and `npm start` carry them, and the soak test starts its server with them.
 *
 * After each full collection V8 lets its old generation grow to up to 4x the live data when its heap limit is 2 GiB
 * or more (its default on a machine with over 8 GiB of memory, 4 GiB here), and to about 1.6x with a 1 GiB limit.
 * Measured in the soak test (tests/soak/): with ~60-90 MiB live the old generation grew to 207-223 MiB and the RSS
 * peaked at 422 MiB (692 MiB on a faster run); with the limit, 70 MiB at the same point. 1 GiB stays far above the
 * live data the server's bounds allow: the bodies in flight (64 MiB, a few times that decoded; large ones decoded on
 * worker threads, server/otlp/decode-in-worker.ts) and the ingest caches at their caps.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-old-space-size=1024'];
