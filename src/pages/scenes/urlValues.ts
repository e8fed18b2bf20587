/** How the pages' scene objects read their keys from the URL (`SceneObjectUrlSyncConfig`'s `updateFromUrl`). */
import type { SceneObjectUrlValues } from '@grafana/scenes';

/** A URL value as the pages' state keeps it: a non-empty string, else absent. */
export const urlString = (v: SceneObjectUrlValues[string]): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** The keys among `keys` whose URL value differs from the state's (absent or empty: undefined), to set at once. */
export function changedStrings<K extends string>(
  values: SceneObjectUrlValues,
  state: Partial<Record<K, string>>,
  keys: readonly K[]
): Partial<Record<K, string | undefined>> {
  const next: Partial<Record<K, string | undefined>> = {};
  for (const key of keys) {
    if (key in values && urlString(values[key]) !== state[key]) {
      next[key] = urlString(values[key]);
    }
  }
  return next;
}
