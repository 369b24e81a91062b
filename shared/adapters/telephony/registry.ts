import { ENV } from '../../config/env-names.ts';
import type { CallbackVerifier, Dialer } from '../../ports/dialer.ts';
import { elevenLabsCallbackVerifier } from './elevenlabs-callbacks.ts';
import { createElevenLabsDialer } from './elevenlabs-dialer.ts';
import { retellCallbackVerifier } from './retell-callbacks.ts';
import { createRetellDialer } from './retell-dialer.ts';
import { RETELL_API_BASE_URL_DEFAULT } from './retell-wire.ts';
import { simulatedCallbackVerifier } from './simulated-callbacks.ts';
import { createSimulatedDialer } from './simulated-dialer.ts';
import { twilioCallbackVerifier } from './twilio-callbacks.ts';
import { createTwilioDialer } from './twilio-dialer.ts';
import { TWILIO_API_BASE_URL_DEFAULT } from './twilio-wire.ts';
import { vapiCallbackVerifier } from './vapi-callbacks.ts';
import { createVapiDialer } from './vapi-dialer.ts';

const ELEVENLABS_API_BASE_URL_DEFAULT = 'https://api.elevenlabs.io';
const VAPI_API_BASE_URL_DEFAULT = 'https://api.vapi.ai';

/**
 * Which adapter serves which provider (a phone number's `provider`): the simulated network (local
 * mode), Twilio, Retell, ElevenLabs and Vapi, each API's base URL from the environment (tests and
 * regional endpoints set it). An unknown provider gives undefined and the caller fails the recipient
 * with a clear error.
 */

const verifiers: Record<string, CallbackVerifier> = {
  [simulatedCallbackVerifier.provider]: simulatedCallbackVerifier,
  [twilioCallbackVerifier.provider]: twilioCallbackVerifier,
  [retellCallbackVerifier.provider]: retellCallbackVerifier,
  [elevenLabsCallbackVerifier.provider]: elevenLabsCallbackVerifier,
  [vapiCallbackVerifier.provider]: vapiCallbackVerifier,
};

const dialers = new Map<string, Dialer>();

function simulatedDialer(env: NodeJS.ProcessEnv): Dialer {
  const baseUrl = env[ENV.simulatedProviderUrl];
  if (baseUrl === undefined || baseUrl === '') {
    throw new Error(`${ENV.simulatedProviderUrl} is not set: the simulated provider has no address`);
  }
  const key = `simulated ${baseUrl}`;
  let dialer = dialers.get(key);
  if (dialer === undefined) {
    dialer = createSimulatedDialer({ baseUrl });
    dialers.set(key, dialer);
  }
  return dialer;
}

/** The Dialer of a provider, configured from the environment; undefined for a provider not supported. */
export function dialerFor(provider: string, env: NodeJS.ProcessEnv = process.env): Dialer | undefined {
  if (provider === 'simulated') return simulatedDialer(env);
  // Stateless and cheap to build: the base URL is read on every dial so a test's env applies.
  if (provider === 'twilio')
    return createTwilioDialer({ baseUrl: env[ENV.twilioApiBaseUrl] || TWILIO_API_BASE_URL_DEFAULT });
  if (provider === 'retell')
    return createRetellDialer({ baseUrl: env[ENV.retellApiBaseUrl] || RETELL_API_BASE_URL_DEFAULT });
  if (provider === 'elevenlabs') {
    // Kept per base URL: the dialer caches which transport (Twilio, SIP trunk) each number uses.
    const baseUrl = env[ENV.elevenLabsApiBaseUrl] || ELEVENLABS_API_BASE_URL_DEFAULT;
    let dialer = dialers.get(`elevenlabs ${baseUrl}`);
    if (dialer === undefined) {
      dialer = createElevenLabsDialer({ baseUrl });
      dialers.set(`elevenlabs ${baseUrl}`, dialer);
    }
    return dialer;
  }
  if (provider === 'vapi')
    return createVapiDialer({ baseUrl: env[ENV.vapiApiBaseUrl] || VAPI_API_BASE_URL_DEFAULT });
  return undefined;
}

/** The callback verifier of a provider; undefined for a provider not supported. */
export function verifierFor(provider: string): CallbackVerifier | undefined {
  return Object.hasOwn(verifiers, provider) ? verifiers[provider] : undefined;
}
