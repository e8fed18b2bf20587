/**
 * The trace ids no session wanted (the firehose's decisions), remembered for `ttlMs` after they were last added so
 * that a late part of such a trace (Kong Enterprise's separate log-phase export, a retried batch) is dropped at once
 * instead of waiting for a root that was judged already. It is the most numerous memory of ingest, asked once for
 * every trace of the traffic, so it keeps a trace id as its 16 bytes and the time it was added in typed arrays: no
 * string, entry object or boxed number per trace is retained, nothing for the garbage collector to copy or trace (a Map
 * of id strings cost the firehose more than its own lookups did).
 *
 * Ids are added to the current generation; after `ttlMs` it becomes the previous one and a new one starts, and the one
 * before is forgotten whole (all it holds is older than `ttlMs`). A tenant's generation holds at most half of
 * `maxPerTenant` ids: a full one turns early, and the oldest decisions go first.
 */
export class DroppedTraces {
  private readonly byTenant = new Map<string, Generations>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxPerTenant: number,
    private readonly now: () => number = Date.now,
  ) {}

  has(tenant: string, traceId: string): boolean {
    const g = this.byTenant.get(tenant);
    if (!g) return false;
    const now = this.now();
    this.turn(g, now);
    const since = now - this.ttlMs;
    return g.current.addedAfter(traceId, since) || (g.previous?.addedAfter(traceId, since) ?? false);
  }

  add(tenant: string, traceId: string): void {
    const now = this.now();
    let g = this.byTenant.get(tenant);
    if (!g) this.byTenant.set(tenant, (g = { current: new IdSet(now), since: now }));
    else this.turn(g, now);
    if (g.current.size >= this.maxPerTenant / 2) this.startGeneration(g, now);
    g.current.add(traceId, now);
  }

  /** ids held (both generations, expired ones until their generation is forgotten) */
  get size(): number {
    let n = 0;
    for (const g of this.byTenant.values()) n += g.current.size + (g.previous?.size ?? 0);
    return n;
  }

  /** turns every tenant's generations that are due, and forgets tenants with nothing left */
  sweep(): void {
    const now = this.now();
    for (const [tenant, g] of this.byTenant) {
      this.turn(g, now);
      if (g.current.size === 0 && !g.previous) this.byTenant.delete(tenant);
    }
  }

  private turn(g: Generations, now: number): void {
    if (now - g.since < this.ttlMs) return;
    // two turns due: what the current generation holds is older than the time to live too
    if (now - g.since >= 2 * this.ttlMs) g.current = new IdSet(now);
    this.startGeneration(g, now);
  }

  private startGeneration(g: Generations, now: number): void {
    g.previous = g.current.size ? g.current : undefined;
    g.current = new IdSet(now);
    g.since = now;
  }
}

interface Generations {
  current: IdSet;
  previous?: IdSet;
  /** when `current` started */
  since: number;
}

/**
 * The id's four 32-bit words, in W, when it is a trace id as the decoders give them (32 lowercase hex digits); false
 * for any other string. The last id read is remembered: the pipeline asks about a trace and then adds it.
 */
const W = new Int32Array(4);
let lastId = '';
let lastHex = false;
function readId(id: string): boolean {
  if (id === lastId) return lastHex;
  lastId = id;
  lastHex = false;
  if (id.length !== 32) return false;
  for (let k = 0; k < 4; k++) {
    let w = 0;
    for (let i = k * 8; i < k * 8 + 8; i++) {
      const c = id.charCodeAt(i);
      const v = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 102 ? c - 87 : -1;
      if (v < 0) return false;
      w = (w << 4) | v;
    }
    W[k] = w;
  }
  return (lastHex = true);
}

/** words a slot: the id's four, then when it was added (ms after the set's `base`) */
const SLOT = 5;

/**
 * A set of 16-byte trace ids with the time each was last added: open addressing with linear probing over an
 * Int32Array, five words a slot; an id of all zeros marks an empty slot (OTLP's invalid trace id, which the decoders
 * refuse, is kept apart). Ids in any other form than 32 lowercase hex digits (none come from the decoders) go to a Map.
 * A set lives at most two generations, so its times fit in 32 bits as ms after its start.
 */
class IdSet {
  size = 0;
  private words = new Int32Array(SLOT * 64);
  private mask = 63;
  private zeroAt?: number;
  private other?: Map<string, number>;

  constructor(private readonly base: number) {}

  /** whether `id` was added after `since` (ms) */
  addedAfter(id: string, since: number): boolean {
    if (!readId(id)) return (this.other?.get(id) ?? -Infinity) > since;
    const w0 = W[0], w1 = W[1], w2 = W[2], w3 = W[3];
    if ((w0 | w1 | w2 | w3) === 0) return (this.zeroAt ?? -Infinity) > since;
    const i = this.find(w0, w1, w2, w3);
    return i >= 0 && this.base + this.words[i * SLOT + 4] > since;
  }

  add(id: string, now: number): void {
    if (!readId(id)) {
      const other = (this.other ??= new Map());
      if (!other.has(id)) this.size++;
      other.set(id, now);
      return;
    }
    const w0 = W[0], w1 = W[1], w2 = W[2], w3 = W[3];
    if ((w0 | w1 | w2 | w3) === 0) {
      if (this.zeroAt === undefined) this.size++;
      this.zeroAt = now;
      return;
    }
    let i = this.find(w0, w1, w2, w3);
    if (i < 0) {
      if ((this.size + 1) * 2 > this.mask + 1) this.grow();
      i = this.place(w0, w1, w2, w3);
      this.size++;
    }
    this.words[i * SLOT + 4] = now - this.base;
  }

  /** the slot holding the id, or -1 */
  private find(w0: number, w1: number, w2: number, w3: number): number {
    const words = this.words;
    for (let i = slotOf(w0, w1, w2, w3) & this.mask; ; i = (i + 1) & this.mask) {
      const at = i * SLOT;
      const a = words[at], b = words[at + 1], c = words[at + 2], d = words[at + 3];
      if ((a | b | c | d) === 0) return -1;
      if (a === w0 && b === w1 && c === w2 && d === w3) return i;
    }
  }

  /** puts the id in its first free slot, returns the slot */
  private place(w0: number, w1: number, w2: number, w3: number): number {
    const words = this.words;
    let i = slotOf(w0, w1, w2, w3) & this.mask;
    while ((words[i * SLOT] | words[i * SLOT + 1] | words[i * SLOT + 2] | words[i * SLOT + 3]) !== 0) i = (i + 1) & this.mask;
    const at = i * SLOT;
    words[at] = w0;
    words[at + 1] = w1;
    words[at + 2] = w2;
    words[at + 3] = w3;
    return i;
  }

  /** twice the slots: the table stays at most half full, so probes stay short */
  private grow(): void {
    const old = this.words;
    this.words = new Int32Array(old.length * 2);
    this.mask = this.mask * 2 + 1;
    for (let at = 0; at < old.length; at += SLOT) {
      if ((old[at] | old[at + 1] | old[at + 2] | old[at + 3]) === 0) continue;
      this.words[this.place(old[at], old[at + 1], old[at + 2], old[at + 3]) * SLOT + 4] = old[at + 4];
    }
  }
}

/** a slot from all four words: ids from some tracers are sequential, so no single word is trusted to be random */
function slotOf(w0: number, w1: number, w2: number, w3: number): number {
  let h = Math.imul(w0 ^ (w1 >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ w2 ^ (h >>> 13), 0xc2b2ae35);
  h ^= w3;
  h = Math.imul(h ^ (h >>> 16), 0x27d4eb2f);
  return (h ^ (h >>> 15)) >>> 0;
}
