import { isNullParent } from '../../common/spans';
import type { DecodedSpan } from '../otlp/types';

const KIND_SERVER = 2;

/**
 * Whether ingest judges the trace on this span: Kong's request root (`kong`, kind SERVER), or, from
 * other producers, a span without a parent. `kong.phase.log` is never the root: Kong runs the log phase
 * after the response and may export its span without a parent. The one place ingest says "root"; when
 * common/spans defines the product's root once, this becomes a call to it.
 */
export function isRootSpan(s: DecodedSpan): boolean {
  return (s.name === 'kong' && s.kind === KIND_SERVER) || (isNullParent(s.parentSpanId) && s.name !== 'kong.phase.log');
}
