import { ENV } from '../../config/env-names.ts';
import type { CallbackVerifier, Dialer } from '../../ports/dialer.ts';
import { simulatedCallbackVerifier } from './simulated-callbacks.ts';
import { createSimulatedDialer } from './simulated-dialer.ts';

/**
 * Which adapter serves which provider (a phone number's `provider`). Only `simulated` is registered
 * so far; twilio, elevenlabs, vapi and retell come with their adapters. An unknown provider gives
 * undefined and the caller fails the recipient with a clear error.
 */

const verifiers: Record<string, CallbackVerifier> = {
  [simulatedCallbackVerifier.provider]: simulatedCallbackVerifier,
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
  return undefined;
}

/** The callback verifier of a provider; undefined for a provider not supported. */
export function verifierFor(provider: string): CallbackVerifier | undefined {
  return Object.hasOwn(verifiers, provider) ? verifiers[provider] : undefined;
}
