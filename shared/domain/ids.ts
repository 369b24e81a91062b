import { monotonicFactory } from 'ulid';

/**
 * Prefixed, time-sortable ids (ULIDs): a newer id sorts after an older one, so "newest first" is a
 * reverse key order and needs no extra index. A monotonic factory keeps ids made in the same
 * millisecond in creation order too (recipients of one batch, for instance).
 */
export const ID_PREFIXES = {
  batch: 'batch',
  recipient: 'rcp',
  agent: 'agent',
  phoneNumber: 'pn',
  conversation: 'conv',
  workspace: 'ws',
  apiKey: 'key',
  webhookDelivery: 'whd',
  upload: 'upl',
  suppression: 'sup',
  export: 'exp',
} as const;

export type IdKind = keyof typeof ID_PREFIXES;

const nextUlid = monotonicFactory();

export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${nextUlid(now)}`;
}

const ID_BODY = /^[0-9A-HJKMNP-TV-Z]{26}$/;

/** True when `value` is an id of that kind. Used to reject garbage before it reaches a key builder. */
export function isId(kind: IdKind, value: string): boolean {
  const prefix = `${ID_PREFIXES[kind]}_`;
  return value.startsWith(prefix) && ID_BODY.test(value.slice(prefix.length));
}
