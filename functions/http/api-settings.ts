import { SETTINGS_ROUTER } from '#shared/http/routes/settings-routes.ts';
import { apiHandler, composeApi } from '../lib/compose-api.ts';
import { composeSecrets } from '../lib/compose-secrets.ts';

/**
 * The apiSettings function: phone numbers (their provider credentials go to the secret store),
 * agents, the suppression list and the API description (infra/wiring.ts).
 */
export const handler = apiHandler(
  SETTINGS_ROUTER,
  composeApi('apiSettings', ({ config }) => ({ secrets: composeSecrets(config) })),
);
