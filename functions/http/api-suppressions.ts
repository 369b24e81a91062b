import { SUPPRESSION_ROUTER } from '#shared/http/routes/suppression-routes.ts';
import { apiHandler, composeApi } from '../lib/compose-api.ts';

/** The apiSuppressions function: the workspace's suppression list and its CSV import (infra/wiring.ts). */
export const handler = apiHandler(SUPPRESSION_ROUTER, composeApi('apiSuppressions'));
