import { type CallRef, refFromQuery } from '../../domain/call-ref.ts';
import type { CallbackVerifier, ProviderCallbackRequest } from '../../ports/dialer.ts';
import { credentialsRef } from '../../ports/secret-store.ts';
import type { RunDeps } from './run-deps.ts';

/**
 * The secret that must have signed a provider's callback: the credential of the phone number the
 * call was placed from. The callback only hints which call it is about (unverified); a forger can
 * name any call, but cannot sign for that number's secret, so the hint is safe to follow.
 */
export async function callbackSecret(
  deps: Pick<RunDeps, 'store' | 'secrets' | 'runStore' | 'sleep'>,
  verifier: CallbackVerifier,
  request: ProviderCallbackRequest,
): Promise<string | null> {
  if (!verifier.secretCredential) return null;
  let ref: CallRef | null = verifier.locate?.(request) ?? refFromQuery(request.url);
  if (!ref) {
    const callId = verifier.callId?.(request);
    if (callId) ref = await findCallSoon(deps, verifier.provider, callId);
  }
  if (!ref) return null;
  const batch = await deps.runStore.getBatchIds(ref.workspaceId, ref.batchId);
  if (!batch) return null;
  const phone = await deps.store.getPhoneNumber(ref.workspaceId, batch.phoneNumberId);
  if (!phone || phone.provider !== verifier.provider) return null;
  const credentials = await deps.secrets.get(credentialsRef(ref.workspaceId, phone.id));
  return credentials?.[verifier.secretCredential] ?? null;
}

/**
 * Waits between reads for a call the dialer is still recording: a callback can overtake the
 * write of the call's index (the provider answers the dial, then the dialer writes the index; a call
 * that fails at once — no answer after a short ring, busy — can call back before that write). The
 * index follows the dial within milliseconds, so a few short waits find it; a callback for a call
 * that does not exist (or a forged one) costs these reads and about 1.5 s, then is refused.
 */
const CALL_INDEX_WAITS_MS = [100, 200, 400, 800] as const;

async function findCallSoon(
  deps: Pick<RunDeps, 'runStore' | 'sleep'>,
  provider: string,
  callId: string,
): Promise<CallRef | null> {
  let ref = await deps.runStore.findCall(provider, callId);
  for (const waitMs of CALL_INDEX_WAITS_MS) {
    if (ref) return ref;
    await deps.sleep(waitMs);
    ref = await deps.runStore.findCall(provider, callId);
  }
  return ref;
}
