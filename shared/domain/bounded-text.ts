/**
 * Error texts come from providers and receivers (their wording, a host name): cut to a size that keeps
 * the recipient item and the 50-attempt delivery log far below DynamoDB's 400 KB (docs/limits.md).
 */
export const MAX_STORED_ERROR_LENGTH = 1_000;

export function boundedText<T extends string | null>(text: T): T {
  if (text === null || text.length <= MAX_STORED_ERROR_LENGTH) return text;
  let cut = MAX_STORED_ERROR_LENGTH - 1;
  // Never between the two halves of a surrogate pair (half a pair has no UTF-8 form).
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut--;
  return `${text.slice(0, cut)}…` as T;
}
