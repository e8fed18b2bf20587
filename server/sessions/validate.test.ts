import { InvalidSessionError, MAX_RULE_ID_LENGTH, MAX_RULE_IDS, parseCreateSession } from './validate';

const UUID = '4f2b7c1e-8d3a-4e5f-9a6b-0c1d2e3f4a5b';

function basic(rule: Record<string, unknown>) {
  return parseCreateSession({ durationSeconds: 60, rule: { type: 'basic', ...rule } });
}

function errorOf(fn: () => unknown): InvalidSessionError {
  try {
    fn();
  } catch (e) {
    if (e instanceof InvalidSessionError) return e;
    throw e;
  }
  throw new Error('expected an InvalidSessionError');
}

describe('basic rule id limits', () => {
  it(`accepts ${MAX_RULE_IDS} route ids and ${MAX_RULE_IDS} service ids of Kong's UUID length`, () => {
    const ids = Array.from({ length: MAX_RULE_IDS }, () => UUID);
    const r = basic({ routeIds: ids, serviceIds: ids }).rule;
    expect(r).toEqual({ type: 'basic', routeIds: ids, serviceIds: ids });
  });

  it.each(['routeIds', 'serviceIds'])('refuses more than %s ids with the count in the message', (field) => {
    const ids = Array.from({ length: MAX_RULE_IDS + 1 }, (_, i) => `id-${i}`);
    expect(errorOf(() => basic({ [field]: ids })).message).toBe(`rule.${field} may hold at most ${MAX_RULE_IDS} ids; got ${MAX_RULE_IDS + 1}`);
  });

  it('refuses a list of a million ids by its count, before looking at its elements', () => {
    const ids: unknown[] = new Array(1_000_000).fill(UUID);
    ids[999_999] = 42; // a bad element the count check never reaches
    expect(errorOf(() => basic({ routeIds: ids })).message).toBe(`rule.routeIds may hold at most ${MAX_RULE_IDS} ids; got 1000000`);
  });

  it.each(['routeIds', 'serviceIds'])('refuses an over-long id in %s and says which one', (field) => {
    const long = 'x'.repeat(MAX_RULE_ID_LENGTH + 1);
    expect(errorOf(() => basic({ [field]: [UUID, long] })).message).toBe(
      `rule.${field}[1] is ${MAX_RULE_ID_LENGTH + 1} characters long; an id is at most ${MAX_RULE_ID_LENGTH} (Kong's ids are 36-character UUIDs)`,
    );
  });

  it('measures the length after trimming, as the id is stored', () => {
    const id = 'y'.repeat(MAX_RULE_ID_LENGTH);
    expect(basic({ routeIds: [`  ${id}  `] }).rule).toEqual({ type: 'basic', routeIds: [id] });
  });
});
