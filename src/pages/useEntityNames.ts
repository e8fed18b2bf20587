import { useEffect, useState } from 'react';
import type { PagesApi } from './useDebuggerApi';

export type NameOf = (kind: 'route' | 'service', id: string) => string | undefined;

/** Kong's route and service names (loaded once); ids Kong does not know have none. */
export function useEntityNames(api: Pick<PagesApi, 'listEntities'>): NameOf {
  const [names, setNames] = useState<Map<string, string>>(new Map());
  useEffect(() => {
    let cancelled = false;
    api.listEntities().then(
      (list) => {
        if (cancelled) {
          return;
        }
        const m = new Map<string, string>();
        for (const r of list.routes) {
          r.name && m.set(`route:${r.id}`, r.name);
        }
        for (const s of list.services) {
          s.name && m.set(`service:${s.id}`, s.name);
        }
        setNames(m);
      },
      () => undefined // names are a nicety: ids are shown instead
    );
    return () => {
      cancelled = true;
    };
  }, [api]);
  return (kind, id) => names.get(`${kind}:${id}`);
}
