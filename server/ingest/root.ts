import { isRequestRoot } from '../../common/spans';
import type { DecodedSpan } from '../otlp/types';

/**
 * Whether ingest judges the trace on this span: the product's one definition of the request's root
 * (common/spans/root.ts: Kong 3.0+ root names, log-phase spans never a root).
 */
export function isRootSpan(s: DecodedSpan): boolean {
  return isRequestRoot(s);
}
