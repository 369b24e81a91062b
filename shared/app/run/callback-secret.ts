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
  deps: Pick<RunDeps, 'store' | 'secrets' | 'runStore'>,
  verifier: CallbackVerifier,
  request: ProviderCallbackRequest,
): Promise<string | null> {
  if (!verifier.secretCredential) return null;
  let ref: CallRef | null = verifier.locate?.(request) ?? refFromQuery(request.url);
  if (!ref) {
    const callId = verifier.callId?.(request);
    if (callId) ref = await deps.runStore.findCall(verifier.provider, callId);
  }
  if (!ref) return null;
  const batch = await deps.store.getBatch(ref.workspaceId, ref.batchId);
  if (!batch) return null;
  const phone = await deps.store.getPhoneNumber(ref.workspaceId, batch.phoneNumberId);
  if (!phone || phone.provider !== verifier.provider) return null;
  const credentials = await deps.secrets.get(credentialsRef(ref.workspaceId, phone.id));
  return credentials?.[verifier.secretCredential] ?? null;
}
