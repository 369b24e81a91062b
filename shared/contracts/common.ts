import * as z from 'zod';
import { type FieldIssue, ValidationError } from '../domain/errors.ts';
import { LIMITS } from '../domain/limits.ts';

/**
 * Shared pieces of the request/response contracts. Browser-safe: zod and the domain only, so the
 * dashboard can validate forms with the very rules the API applies.
 */

type PathSegment = PropertyKey;

/** `['recipients', 2, 'phone']` → `recipients[2].phone`, appended to `prefix` when one is given. */
export function renderPath(segments: readonly PathSegment[], prefix = ''): string {
  let out = prefix;
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else out += out === '' ? String(segment) : `.${String(segment)}`;
  }
  return out;
}

/** Joins a path and a key: `joinPath('recipients[0]', 'phone')` → `recipients[0].phone`. */
export function joinPath(base: string, key: string | number): string {
  return renderPath([key], base);
}

const EXPECTED_NAMES: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'a boolean',
  array: 'an array',
  object: 'an object',
  record: 'an object',
  null: 'null',
};

function bound(value: unknown): string {
  if (typeof value === 'number') return value.toLocaleString('en-US');
  return String(value);
}

// zod's default English messages ("Invalid input: expected string, received undefined") read badly in
// an API answer. Messages written by our own schemas (refinements, explicit texts) start lower-case
// and are kept as they are; zod's defaults are rewritten from the issue's structured data.
const ZOD_DEFAULT_MESSAGE = /^(Invalid|Too (small|big)|Unrecognized|Expected)/;

function friendlyMessage(issue: z.core.$ZodIssue): string {
  if (issue.code === 'custom' || !ZOD_DEFAULT_MESSAGE.test(issue.message)) return issue.message;
  switch (issue.code) {
    case 'invalid_type': {
      // The final issue does not carry the input; zod's message says what it received.
      if (/received undefined$/.test(issue.message)) return 'is required';
      return `must be ${EXPECTED_NAMES[issue.expected] ?? issue.expected}`;
    }
    case 'too_small': {
      const atLeast = issue.inclusive === false ? 'more than' : 'at least';
      if (issue.origin === 'string') return `must be ${atLeast} ${bound(issue.minimum)} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `must have ${atLeast} ${bound(issue.minimum)} item${issue.minimum === 1 ? '' : 's'}`;
      }
      return `must be ${atLeast} ${bound(issue.minimum)}`;
    }
    case 'too_big': {
      const atMost = issue.inclusive === false ? 'less than' : 'at most';
      if (issue.origin === 'string') return `must be ${atMost} ${bound(issue.maximum)} characters long`;
      if (issue.origin === 'array' || issue.origin === 'set') {
        return `must have ${atMost} ${bound(issue.maximum)} items`;
      }
      return `must be ${atMost} ${bound(issue.maximum)}`;
    }
    case 'invalid_value':
      return `must be one of: ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_format':
      if (issue.format === 'url') return 'must be a valid URL';
      return `must be a valid ${issue.format}`;
    case 'not_multiple_of':
      return `must be a multiple of ${bound(issue.divisor)}`;
    case 'invalid_union':
      return 'is not valid';
    default:
      return issue.message;
  }
}

/**
 * Turns a zod error into the API's field list. An unknown key becomes one issue per key, named by its
 * own path (`schedule_at: is not a known field`), since "the object has unknown keys" does not tell a
 * client which field it misspelt.
 */
export function zodIssuesToFields(error: z.ZodError, prefix = ''): FieldIssue[] {
  const fields: FieldIssue[] = [];
  for (const issue of error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) {
        fields.push({ path: renderPath([...issue.path, key], prefix), message: 'is not a known field' });
      }
      continue;
    }
    fields.push({ path: renderPath(issue.path, prefix), message: friendlyMessage(issue) });
  }
  return fields;
}

/** Parses or throws a ValidationError that lists every issue (not only the first). */
export function parseOrThrow<T>(schema: z.ZodType<T>, input: unknown, prefix = ''): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new ValidationError(zodIssuesToFields(result.error, prefix));
}

/** A safe-parse that answers in the API's terms, for callers that merge issues from several sources. */
export function checkWith<T>(
  schema: z.ZodType<T>,
  input: unknown,
  prefix = '',
): { ok: true; value: T } | { ok: false; issues: FieldIssue[] } {
  const result = schema.safeParse(input);
  if (result.success) return { ok: true, value: result.data };
  return { ok: false, issues: zodIssuesToFields(result.error, prefix) };
}

/**
 * `?limit=&cursor=` from a query string. `limit` must be written as a plain integer (`10`, not `1e1`,
 * ` 10` or `10.0`): a query-string value is text, and coercion would let nonsense through.
 */
export const limitParamSchema = z
  .string()
  .regex(/^[0-9]+$/, { message: 'must be an integer' })
  .transform(Number)
  .pipe(z.number().int().min(1).max(LIMITS.page.max))
  .optional()
  .transform((v) => v ?? LIMITS.page.default);

export const cursorParamSchema = z.string().min(1, { message: 'must not be empty' }).optional();

// Unknown query parameters are ignored (caches and proxies add their own), unlike unknown body fields.
export const pageQuerySchema = z.object({
  limit: limitParamSchema,
  cursor: cursorParamSchema,
});
export type PageQuery = z.output<typeof pageQuerySchema>;

export const fieldIssueSchema = z.object({ path: z.string(), message: z.string() });

export const errorEnvelopeSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    fields: z.array(fieldIssueSchema).optional(),
  }),
  request_id: z.string(),
});
export type ErrorEnvelope = z.infer<typeof errorEnvelopeSchema>;

/** `{<key>: [...items], next_cursor, has_more}`: the shape of every list answer. */
export function listEnvelope<Item extends z.ZodType, Key extends string>(itemSchema: Item, key: Key) {
  return z.object({
    [key]: z.array(itemSchema),
    next_cursor: z.string().nullable(),
    has_more: z.boolean(),
  } as { [K in Key]: z.ZodArray<Item> } & {
    next_cursor: z.ZodNullable<z.ZodString>;
    has_more: z.ZodBoolean;
  });
}

/** RFC 3339 timestamps in answers (always UTC, as the contract says). */
export const timestampSchema = z.string();
