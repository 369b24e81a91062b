/**
 * Our call reference: which recipient and attempt a provider's call belongs to. It rides out with
 * every call (the callback URL's query, or a platform's pass-through field) and comes back with the
 * provider's callbacks, so that a callback finds its recipient. The one place it is encoded and read.
 *
 * Two encodings, one per carrier:
 * - the callback URL's query, `?ws=<workspace>&batch=<batch>&r=<index>&a=<attempt>` (every provider);
 * - one string, `<workspace>:<batch>:<index>:<attempt>`, under `REF_KEY` in a platform's
 *   pass-through field (dynamic variables and metadata take only strings, numbers and booleans).
 *
 * Read back from a callback, a ref is an unverified hint until the callback's signature is checked.
 */
export interface CallRef {
  workspaceId: string;
  batchId: string;
  recipientIndex: number;
  attempt: number;
}

/** The key under which our ref rides in a platform's pass-through field (dynamic variables, metadata). */
export const REF_KEY = 'batch_calls_ref';

/** Our ref as one string, `<workspace>:<batch>:<index>:<attempt>` (our ids never hold a colon). */
export function refToString(ref: CallRef): string {
  return `${ref.workspaceId}:${ref.batchId}:${ref.recipientIndex}:${ref.attempt}`;
}

export function refFromString(value: unknown): CallRef | null {
  if (typeof value !== 'string') return null;
  const match = /^([A-Za-z0-9_-]{1,100}):([A-Za-z0-9_-]{1,100}):(\d{1,6}):(\d{1,6})$/.exec(value);
  if (!match) return null;
  const [, workspaceId = '', batchId = '', index = '', attempt = ''] = match;
  const ref = { workspaceId, batchId, recipientIndex: Number(index), attempt: Number(attempt) };
  return ref.attempt >= 1 ? ref : null;
}

/** Our ref as the callback URL's query string (without the `?`): `ws=…&batch=…&r=…&a=…`. */
export function refToQuery(ref: CallRef): string {
  return new URLSearchParams({
    ws: ref.workspaceId,
    batch: ref.batchId,
    r: String(ref.recipientIndex),
    a: String(ref.attempt),
  }).toString();
}

/** Our ref as the dial step put it in the callback URL (`?ws=…&batch=…&r=…&a=…`). */
export function refFromQuery(url: string): CallRef | null {
  let params: URLSearchParams;
  try {
    params = new URL(url).searchParams;
  } catch {
    return null;
  }
  const workspaceId = params.get('ws');
  const batchId = params.get('batch');
  const index = Number(params.get('r'));
  const attempt = Number(params.get('a'));
  if (
    !workspaceId ||
    !batchId ||
    !Number.isInteger(index) ||
    index < 0 ||
    !Number.isInteger(attempt) ||
    attempt < 1
  ) {
    return null;
  }
  return { workspaceId, batchId, recipientIndex: index, attempt };
}
