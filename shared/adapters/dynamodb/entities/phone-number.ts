import { PROVIDERS, type PhoneNumber } from '../../../domain/phone-number.ts';
import type { PhoneNumberStore } from '../../../ports/store.ts';
import { ENTITY, keys, SK_PREFIX, workspacePartition } from '../keys.ts';
import type { Item, Table } from '../table-ops.ts';
import { queryPage } from './paging.ts';
import { expectEntity, read } from './parse.ts';
import { createItem, stored, type Stored } from './stored.ts';

/** A caller phone number: WS#<ws> / PHONE#<id>. Read by the API and, on every dial, by the run. */

export function phoneNumberToItem(phone: PhoneNumber): Stored<PhoneNumber> {
  return stored(phone, keys.phoneNumber(phone.workspaceId, phone.id), ENTITY.phoneNumber);
}

export function itemToPhoneNumber(item: Item): PhoneNumber {
  expectEntity(item, ENTITY.phoneNumber);
  return {
    id: read.string(item, 'id'),
    workspaceId: read.string(item, 'workspaceId'),
    phoneNumber: read.string(item, 'phoneNumber'),
    label: read.nullableString(item, 'label'),
    provider: read.oneOf(item, 'provider', PROVIDERS),
    credentialsMasked: read.nullableMap<Record<string, string>>(item, 'credentialsMasked'),
    outbound: read.boolean(item, 'outbound'),
    callsPerSecond: read.number(item, 'callsPerSecond'),
    createdAt: read.string(item, 'createdAt'),
  };
}

export function phoneNumberStore(table: Table): PhoneNumberStore {
  return {
    async putPhoneNumber(phone) {
      await createItem(table, phoneNumberToItem(phone), `Phone number ${phone.id}`);
    },

    async getPhoneNumber(workspaceId, id) {
      const item = await table.get(keys.phoneNumber(workspaceId, id));
      return item ? itemToPhoneNumber(item) : null;
    },

    listPhoneNumbers(workspaceId, page) {
      return queryPage(table, {
        partition: workspacePartition(workspaceId),
        skPrefix: SK_PREFIX.phoneNumber,
        page,
        newestFirst: false,
        filter: null,
        toDomain: itemToPhoneNumber,
      });
    },

    deletePhoneNumber(workspaceId, id) {
      return table.deleteExisting(keys.phoneNumber(workspaceId, id));
    },
  };
}
