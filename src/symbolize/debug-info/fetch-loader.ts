// The browser's loader: every location is fetched (relative ones against the page). No Node
// built-ins here.
import type { LoadContext, LoadOutcome } from './discover.js';

/** Fetches a URL; a failed request or a non-2xx status is a one-line error, never a rejection. */
export async function fetchLocation(url: string): Promise<LoadOutcome> {
  const fetcher = (globalThis as { fetch?: (input: string) => Promise<FetchResponse> }).fetch;
  if (!fetcher) return { error: 'no fetch() in this environment' };
  try {
    const response = await fetcher(url);
    if (!response.ok) return { error: `HTTP ${response.status}${response.statusText ? ' ' + response.statusText : ''}` };
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    const cause = (error as { cause?: { message?: string } }).cause?.message;
    return { error: `fetch failed (${(error as Error).message}${cause ? ': ' + cause : ''})` };
  }
}

/** A loader for browsers and workers: `fetch` for every location. */
export function fetchLoader(location: string, _context: LoadContext): Promise<LoadOutcome> {
  return fetchLocation(location);
}

interface FetchResponse {
  ok: boolean;
  status: number;
  statusText: string;
  arrayBuffer(): Promise<ArrayBuffer>;
}
