import type { CreatePhoneNumberRequest } from '../contracts/phone-number.ts';
import { NotFoundError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { maskSecret, type PhoneNumber } from '../domain/phone-number.ts';
import { credentialsRef } from '../ports/secret-store.ts';
import type { Page, PageRequest } from '../ports/store.ts';
import type { AppDeps } from './deps.ts';

/**
 * Caller numbers. Credentials are write-only: they go to the secret store first (an orphaned secret
 * after a crash is harmless; a number pointing at a missing secret is not), the item keeps only a
 * masked view.
 */
export async function createPhoneNumber(
  deps: Pick<AppDeps, 'store' | 'secrets' | 'clock'>,
  workspaceId: string,
  input: CreatePhoneNumberRequest,
): Promise<PhoneNumber> {
  const now = deps.clock();
  const id = newId('phoneNumber', now.getTime());
  const credentials = input.credentials;
  const phone: PhoneNumber = {
    id,
    workspaceId,
    phoneNumber: input.phone_number,
    label: input.label,
    provider: input.provider,
    credentialsMasked: credentials
      ? Object.fromEntries(Object.entries(credentials).map(([k, v]) => [k, maskSecret(v)]))
      : null,
    outbound: input.outbound,
    callsPerSecond: input.calls_per_second,
    createdAt: now.toISOString(),
  };
  const ref = credentialsRef(workspaceId, id);
  if (credentials) await deps.secrets.put(ref, credentials);
  try {
    await deps.store.putPhoneNumber(phone);
  } catch (error) {
    if (credentials) await deps.secrets.delete(ref).catch(() => undefined);
    throw error;
  }
  return phone;
}

export async function getPhoneNumber(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  id: string,
): Promise<PhoneNumber> {
  const phone = await deps.store.getPhoneNumber(workspaceId, id);
  if (!phone) throw new NotFoundError(`Phone number ${id} does not exist.`, 'phone_number_not_found');
  return phone;
}

export function listPhoneNumbers(
  deps: Pick<AppDeps, 'store'>,
  workspaceId: string,
  page: PageRequest,
): Promise<Page<PhoneNumber>> {
  return deps.store.listPhoneNumbers(workspaceId, page);
}

/**
 * Deleting a number that agents or scheduled batches still use is allowed: those batches fail at
 * start with a failure_reason that says the number is gone (contract "Lifecycle").
 */
export async function deletePhoneNumber(
  deps: Pick<AppDeps, 'store' | 'secrets'>,
  workspaceId: string,
  id: string,
): Promise<void> {
  const deleted = await deps.store.deletePhoneNumber(workspaceId, id);
  if (!deleted) throw new NotFoundError(`Phone number ${id} does not exist.`, 'phone_number_not_found');
  await deps.secrets.delete(credentialsRef(workspaceId, id));
}
