/**
 * Answers of the running-batch routes, from the shared contracts (the same schemas the API uses).
 */
export type {
  ConversationResponse,
  DeliveryListResponse as WebhookDeliveriesResponse,
  DeliveryObject as WebhookDelivery,
} from '../../../shared/contracts/run.ts';
