import { createPhoneTimezones } from '#shared/adapters/timezones/phone-timezones.ts';
import { CREATE_ROUTER } from '#shared/http/routes/create-routes.ts';
import { apiHandler, composeApi } from '../lib/compose-api.ts';
import { composeUploadReader } from '../lib/compose-files.ts';
import { composeScheduler } from '../lib/compose-scheduler.ts';

/**
 * The apiCreate function: a new batch (JSON, multipart CSV or an uploaded CSV) and its preflight
 * (infra/wiring.ts). It alone resolves time zones at create: the data ships with it alone.
 */
export const handler = apiHandler(
  CREATE_ROUTER,
  composeApi('apiCreate', ({ config }) => ({
    scheduler: composeScheduler(config),
    uploads: composeUploadReader(config),
    phoneTimezones: createPhoneTimezones(),
  })),
);
