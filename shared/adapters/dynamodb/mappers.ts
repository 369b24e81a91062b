/**
 * Domain object ⇄ item, for the modules outside the stores that read items (the table stream's
 * images) and for the tests. Each mapping lives with its entity in ./entities/, where items are
 * parsed field by field (./entities/parse.ts), never cast.
 */
export { agentToItem, itemToAgent } from './entities/agent.ts';
export { batchToItem, itemToBatch } from './entities/batch.ts';
export { creationMarkerItem } from './entities/creation-marker.ts';
export { idempotencyToItem, itemToIdempotency } from './entities/idempotency.ts';
export { itemToPhoneNumber, phoneNumberToItem } from './entities/phone-number.ts';
export { itemToRecipient, recipientToItem } from './entities/recipient.ts';
export type { Stored } from './entities/stored.ts';
export {
  apiKeyListingItem,
  apiKeyLookupItem,
  itemToApiKeyRecord,
  itemToWorkspace,
  workspaceToItem,
} from './entities/workspace.ts';
export type { Item } from './table-ops.ts';
