import { createHmac } from 'node:crypto';

/**
 * Twilio's documented Call-create parameters and request signature, written from twilio-node
 * (github.com/twilio/twilio-node, commit 45d3d65; never from our adapter), for the local Twilio in
 * `fake-twilio.ts`:
 *
 * - `CallListInstanceCreateOptions` in `src/rest/api/v2010/account/call.ts`: the form parameters of
 *   `POST /2010-04-01/Accounts/{AccountSid}/Calls.json`, by their wire names (the SDK's `data[...]`).
 * - Twilio does not refuse an unknown parameter: it ignores it and logs warning 20001 "Unknown
 *   parameters — One or more parameters you sent the REST API were not recognized and were ignored"
 *   (twilio.com/docs/api/errors/20001). The fake does the same and keeps the warnings, as Twilio's
 *   Debugger does, so a test can assert there are none.
 * - `X-Twilio-Signature` (`src/webhooks/webhooks.ts`, `getExpectedTwilioSignature` and
 *   `toFormUrlEncodedParam`): base64 HMAC-SHA1 keyed with the auth token over the URL followed by each
 *   parameter's name and value, names sorted, a repeated name's distinct values sorted.
 */
export const CALL_CREATE_PARAMETERS = new Set([
  'To',
  'From',
  'Method',
  'FallbackUrl',
  'FallbackMethod',
  'StatusCallback',
  'StatusCallbackEvent',
  'StatusCallbackMethod',
  'SendDigits',
  'Timeout',
  'Record',
  'RecordingChannels',
  'RecordingStatusCallback',
  'RecordingStatusCallbackMethod',
  'RecordingConfigurationId',
  'SipAuthUsername',
  'SipAuthPassword',
  'MachineDetection',
  'MachineDetectionTimeout',
  'RecordingStatusCallbackEvent',
  'Trim',
  'CallerId',
  'MachineDetectionSpeechThreshold',
  'MachineDetectionSpeechEndThreshold',
  'MachineDetectionSilenceTimeout',
  'AsyncAmd',
  'AsyncAmdStatusCallback',
  'AsyncAmdStatusCallbackMethod',
  'Byoc',
  'CallReason',
  'CallToken',
  'RecordingTrack',
  'TimeLimit',
  'ClientNotificationUrl',
  'Url',
  'Twiml',
  'ApplicationSid',
]);

/** "Can be: `initiated`, `ringing`, `answered`, and `completed`" (`statusCallbackEvent`). */
export const STATUS_CALLBACK_EVENTS = new Set(['initiated', 'ringing', 'answered', 'completed']);
/** "Can be: `Enable` or `DetectMessageEnd`" (`machineDetection`). */
export const MACHINE_DETECTION = new Set(['Enable', 'DetectMessageEnd']);
/** "The default is `60` seconds and the maximum is `600` seconds" (`timeout`). */
export const TIMEOUT_SECONDS = { default: 60, max: 600 };

/** `getExpectedTwilioSignature(authToken, url, params)`. */
export function twilioRequestSignature(
  authToken: string,
  url: string,
  params: Record<string, string | string[]>,
): string {
  let data = url;
  for (const name of Object.keys(params).sort()) {
    const value = params[name] ?? '';
    const values = Array.isArray(value) ? [...new Set(value)].sort() : [value];
    for (const v of values) data += name + v;
  }
  return createHmac('sha1', authToken).update(Buffer.from(data, 'utf-8')).digest('base64');
}
