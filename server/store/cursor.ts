/** Opaque paging cursors: the sort key of the last row of a page, base64url-encoded. */
export function encodeCursor(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

export class CursorError extends Error {}

export function decodeCursor(cursor: string): string[] {
  try {
    const parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === 2 && parts.every((p) => typeof p === 'string')) return parts;
  } catch {
    // fall through to the error below
  }
  throw new CursorError('invalid cursor: pass back the nextCursor value of the previous page unchanged');
}
