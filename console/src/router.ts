// Pages are addressed by the URL's fragment (#/vehicles/12?tab=history): the server serves one
// page at `/`, and every address can be bookmarked, reloaded and shared.
import { useEffect, useState } from 'preact/hooks';

export interface Route {
  /** The path's segments: '#/vehicles/12' → ['vehicles', '12']. */
  segments: string[];
  query: URLSearchParams;
}

function parse(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?', 2);
  return { segments: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query) };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(window.location.hash);
  useEffect(() => {
    const update = () => setHash(window.location.hash);
    window.addEventListener('hashchange', update);
    return () => window.removeEventListener('hashchange', update);
  }, []);
  return parse(hash);
}

/** The address of a page: href('vehicles', 12) → '#/vehicles/12'; a query's empty values are left out. */
export function href(...parts: (string | number)[]): string {
  return `#/${parts.map((part) => encodeURIComponent(String(part))).join('/')}`;
}

export function withQuery(path: string, query: Record<string, string | undefined>): string {
  const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1])));
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export function navigate(to: string): void {
  window.location.hash = to;
}
