import * as z from 'zod';
import { LIMITS } from '../domain/limits.ts';
import { normalizeE164 } from '../domain/phone.ts';
import { type PhoneNumber, PROVIDERS, type Provider } from '../domain/phone-number.ts';
import { listEnvelope } from './common.ts';

/** Phone number requests and answers (contract "Phone numbers" and "Telephony providers"). */

/** Which credential keys each provider takes (contract table); `required: false` keys are optional. */
export const PROVIDER_CREDENTIALS: Record<Provider, ReadonlyArray<{ key: string; required: boolean }>> = {
  simulated: [],
  twilio: [
    { key: 'account_sid', required: true },
    { key: 'auth_token', required: true },
  ],
  elevenlabs: [
    { key: 'api_key', required: true },
    { key: 'agent_phone_number_id', required: true },
    { key: 'webhook_secret', required: true },
  ],
  vapi: [
    { key: 'api_key', required: true },
    { key: 'phone_number_id', required: true },
    { key: 'webhook_secret', required: false },
  ],
  retell: [{ key: 'api_key', required: true }],
};

export const PHONE_NUMBER_LIMITS = {
  /** A provider credential (API keys and tokens are well under 200 characters). */
  credentialValue: { max: 4_096 },
} as const;

export const e164Schema = z.string().transform((value, ctx) => {
  const check = normalizeE164(value);
  if (check.ok) return check.e164;
  ctx.addIssue({ code: 'custom', message: check.message });
  return z.NEVER;
});

function isProvider(value: unknown): value is Provider {
  return typeof value === 'string' && (PROVIDERS as readonly string[]).includes(value);
}

/**
 * `POST /v1/phone-numbers`. The credentials are checked against the provider's table: every required
 * key present (a missing one is named, `credentials.auth_token`), no key the provider does not use,
 * and none at all for `simulated`. `credentials` is null in the output when none were given.
 */
export const createPhoneNumberSchema = z
  .strictObject({
    phone_number: e164Schema,
    label: z
      .string()
      .max(200)
      .refine((v) => !/\p{Cs}/u.test(v), { message: 'must be valid Unicode text' })
      .nullish()
      .transform((v) => v ?? null),
    provider: z.enum(PROVIDERS),
    credentials: z
      .record(
        z.string().max(100),
        z.string().min(1, { message: 'must not be empty' }).max(PHONE_NUMBER_LIMITS.credentialValue.max),
      )
      .nullish()
      .transform((v) => v ?? null),
    outbound: z
      .boolean()
      .optional()
      .transform((v) => v ?? true),
    calls_per_second: z
      .number()
      .min(LIMITS.callsPerSecond.min)
      .max(LIMITS.callsPerSecond.max)
      .optional()
      .transform((v) => v ?? LIMITS.callsPerSecond.default),
  })
  .superRefine(
    (value, ctx) => {
      // Runs even when other fields failed (see `when`), so it reads the raw input defensively.
      const raw = value as { provider?: unknown; credentials?: unknown };
      if (!isProvider(raw.provider)) return;
      const creds = raw.credentials;
      const given =
        typeof creds === 'object' && creds !== null && !Array.isArray(creds) ? Object.keys(creds) : [];
      const allowed = PROVIDER_CREDENTIALS[raw.provider];
      if (raw.provider === 'simulated') {
        for (const key of given) {
          ctx.addIssue({
            code: 'custom',
            path: ['credentials', key],
            message: 'the simulated provider takes no credentials',
          });
        }
        return;
      }
      for (const { key, required } of allowed) {
        if (required && !given.includes(key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['credentials', key],
            message: `is required for the ${raw.provider} provider`,
          });
        }
      }
      for (const key of given) {
        if (!allowed.some((a) => a.key === key)) {
          ctx.addIssue({
            code: 'custom',
            path: ['credentials', key],
            message: `is not a credential of the ${raw.provider} provider`,
          });
        }
      }
    },
    { when: () => true },
  );
export type CreatePhoneNumberRequest = z.output<typeof createPhoneNumberSchema>;

export const phoneNumberObjectSchema = z.strictObject({
  id: z.string(),
  phone_number: z.string(),
  label: z.string().nullable(),
  provider: z.enum(PROVIDERS),
  outbound: z.boolean(),
  calls_per_second: z.number(),
  /** Masked (`{"auth_token": "••••3f9a"}`): credentials are write-only. */
  credentials: z.record(z.string(), z.string()).nullable(),
  created_at: z.string(),
});
export type PhoneNumberObject = z.infer<typeof phoneNumberObjectSchema>;

export const phoneNumberListResponseSchema = listEnvelope(phoneNumberObjectSchema, 'phone_numbers');
export type PhoneNumberListResponse = z.infer<typeof phoneNumberListResponseSchema>;

export function toPhoneNumberObject(pn: PhoneNumber): PhoneNumberObject {
  return {
    id: pn.id,
    phone_number: pn.phoneNumber,
    label: pn.label,
    provider: pn.provider,
    outbound: pn.outbound,
    calls_per_second: pn.callsPerSecond,
    credentials: pn.credentialsMasked === null ? null : { ...pn.credentialsMasked },
    created_at: pn.createdAt,
  };
}
