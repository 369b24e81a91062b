import type { CallRef } from '../../ports/dialer.ts';

/** The key under which our ref rides in a platform's pass-through field (dynamic variables, metadata). */
export const REF_KEY = 'batch_calls_ref';

/**
 * Our CallRef as one string, `<workspace>:<batch>:<index>:<attempt>`: platforms' dynamic variables
 * take only strings, numbers and booleans, and our ids never hold a colon.
 */
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
