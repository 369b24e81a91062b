import type { CallEndedEvent, Dialer, PlaceCallInput, PlaceCallResult } from '../../ports/dialer.ts';
import {
  type PlaceCallReading,
  placedWithId,
  placeResultOf,
  providerApi,
  type ProviderApiOptions,
  providerErrorMessage,
} from './provider-http.ts';
import {
  callEndedFromResource,
  TWILIO_API_VERSION,
  TWILIO_PROVIDER,
  TWILIO_TOO_MANY_REQUESTS,
  twilioCallResourceSchema,
  twilioErrorSchema,
} from './twilio-wire.ts';

/** `baseUrl` is TWILIO_API_BASE_URL; https://api.twilio.com in production. */
export type TwilioDialerOptions = ProviderApiOptions;

const NAME = 'Twilio';

/**
 * The events we ask Twilio to report: only the final one, which carries the status, the answer
 * (AnsweredBy), the duration and the time, i.e. every outcome. Progress events (initiated, ringing,
 * answered) changed nothing and tripled the callbacks each call sends through API Gateway and
 * Lambda (issue 16). A lost final callback is settled by the sweeper reading the Call resource.
 */
const STATUS_CALLBACK_EVENTS = ['completed'];
/** Twilio's limit for `Timeout` (seconds of ringing). */
const MAX_TIMEOUT_SECONDS = 600;

interface TwilioCredentials {
  accountSid: string;
  authToken: string;
}

function credentialsOf(input: Record<string, string> | null): TwilioCredentials | null {
  const accountSid = input?.account_sid;
  const authToken = input?.auth_token;
  return accountSid && authToken ? { accountSid, authToken } : null;
}

function headersOf(c: TwilioCredentials): Record<string, string> {
  const basic = Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64');
  return { authorization: `Basic ${basic}`, accept: 'application/json' };
}

/** `error 21211: Invalid 'To' Phone Number` from Twilio's error body. */
function reasonOf(body: unknown, status: number): string {
  const parsed = twilioErrorSchema.safeParse(body);
  if (!parsed.success || parsed.data.code == null) return providerErrorMessage(body, status);
  const { code, message } = parsed.data;
  return `error ${code}${message ? `: ${message}` : ''}`;
}

function isTooManyRequests(body: unknown): boolean {
  const parsed = twilioErrorSchema.safeParse(body);
  return parsed.success && parsed.data.code === TWILIO_TOO_MANY_REQUESTS;
}

/** Twilio names its error in a code of its own, and may say "slow down" (20429) in a 400. */
const READING: PlaceCallReading = {
  provider: NAME,
  credentialNames: 'account_sid and auth_token',
  placed: placedWithId(NAME, 'CallSid', (body) => twilioCallResourceSchema.safeParse(body).data?.sid),
  reason: reasonOf,
  isRateLimit: isTooManyRequests,
};

/**
 * The agent runtime's TwiML URL, told which recipient this call is for; null when it is no URL (a
 * throw here would read to the dial step as "provider unreachable" and be retried forever).
 */
function twimlUrl(base: string, input: PlaceCallInput): string | null {
  if (!URL.canParse(base)) return null;
  const url = new URL(base);
  url.searchParams.set('batch_id', input.ref.batchId);
  url.searchParams.set('recipient_id', input.recipientId);
  return url.toString();
}

/**
 * The Dialer for Twilio Programmable Voice. `placeCall` creates a Call resource; its outcome:
 * 201 → placed; 429 or error 20429 → rate_limited (Retry-After, 1 s when absent: Twilio's default
 * pace is one call per second); 401/403 → rejected, naming the credentials; other 4xx (a bad number,
 * an unknown account) → rejected with Twilio's error; 5xx, a timeout or a broken connection once sent
 * → unknown (Twilio has no idempotency key for calls, so a re-send could ring a person twice). A
 * connection never established throws, since nothing was placed.
 */
export function createTwilioDialer(options: TwilioDialerOptions): Dialer {
  const api = providerApi(NAME, options);
  const accountPath = (sid: string) => `/${TWILIO_API_VERSION}/Accounts/${encodeURIComponent(sid)}`;

  return {
    provider: TWILIO_PROVIDER,
    // Every callback names the call without an index: our ref rides in the StatusCallback URL's query, which Twilio calls back as given.
    callbacksCarryRef: true,

    async placeCall(input: PlaceCallInput): Promise<PlaceCallResult> {
      const credentials = credentialsOf(input.credentials);
      if (!credentials) {
        return {
          kind: 'rejected',
          error: 'The phone number has no Twilio credentials: account_sid and auth_token are required.',
        };
      }
      const agentTwiml = input.agent.telephony.twiml_url;
      if (!agentTwiml) {
        return {
          kind: 'rejected',
          error: "The agent has no telephony.twiml_url: Twilio needs the agent runtime's TwiML endpoint.",
        };
      }
      const twiml = twimlUrl(agentTwiml, input);
      if (twiml === null) return { kind: 'rejected', error: "The agent's telephony.twiml_url is not a URL." };
      const form = new URLSearchParams({
        To: input.to,
        From: input.from,
        Url: twiml,
        Method: 'POST',
        StatusCallback: input.callbackUrl,
        StatusCallbackMethod: 'POST',
        Timeout: String(Math.min(MAX_TIMEOUT_SECONDS, Math.max(1, Math.ceil(input.ringingTimeoutMs / 1000)))),
        MachineDetection: 'Enable',
      });
      for (const event of STATUS_CALLBACK_EVENTS) form.append('StatusCallbackEvent', event);

      const answer = await api.send({
        method: 'POST',
        path: `${accountPath(credentials.accountSid)}/Calls.json`,
        headers: headersOf(credentials),
        form,
      });
      return placeResultOf(READING, answer);
    },

    async getCall(providerCallId, rawCredentials): Promise<CallEndedEvent | null> {
      const credentials = credentialsOf(rawCredentials);
      if (!credentials)
        throw new Error('The phone number has no Twilio credentials to look the call up with');
      const path = `${accountPath(credentials.accountSid)}/Calls/${encodeURIComponent(providerCallId)}.json`;
      const body = await api.lookUp(path, headersOf(credentials), `call ${providerCallId}`, reasonOf);
      const parsed = twilioCallResourceSchema.safeParse(body);
      if (!parsed.success) throw new Error(`Twilio's Call resource ${providerCallId} is malformed`);
      return callEndedFromResource(parsed.data, new Date());
    },
  };
}
