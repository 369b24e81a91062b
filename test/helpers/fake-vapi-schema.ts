import { z } from 'zod';

/**
 * Vapi's `POST /call` body as Vapi documents it, written from Vapi's own SDK types (never from our
 * adapter), for the local Vapi in `fake-vapi.ts`:
 *
 * - CreateCallDto: github.com/VapiAI/server-sdk-typescript
 *   `src/api/resources/calls/client/requests/CreateCallDto.ts` (commit 7ec0a68). It has no `metadata`:
 *   per-call data of the caller rides in `assistantOverrides.metadata` (AssistantOverrides.ts).
 * - CreateCustomerDto: `src/api/types/CreateCustomerDto.ts`; AssistantOverrides:
 *   `src/api/types/AssistantOverrides.ts`; Server: `src/api/types/Server.ts`.
 *
 * Vapi's API validates bodies with NestJS' ValidationPipe (whitelist + forbidNonWhitelisted): an
 * unknown property is a `400 {"message": ["property X should not exist"], "error": "Bad Request",
 * "statusCode": 400}` (seen in Vapi's support threads, e.g. support.vapi.ai/t/18819419 and
 * vapi.ai/community/m/1446552777500393472), nested properties prefixed with their parent's path.
 * `vapiValidationMessages` produces exactly those messages.
 *
 * Properties we never send are accepted with any value (`z.unknown()`): they are documented, so Vapi
 * would not refuse their names; only the ones we send are type-checked.
 */

const any = z.unknown().optional();

/** `src/api/types/Server.ts`: where server messages go and how they authenticate. */
const serverSchema = z.strictObject({
  timeoutSeconds: z.number().optional(),
  credentialId: z.string().optional(),
  staticIpAddressesEnabled: z.boolean().optional(),
  encryptedPaths: z.array(z.string()).optional(),
  url: z.string().optional(),
  headers: z.record(z.string(), z.unknown()).optional(),
  backoffPlan: any,
});

/** `src/api/types/AssistantOverrides.ts` (every documented property, in the SDK's order). */
export const assistantOverridesSchema = z.strictObject({
  transcriber: any,
  model: any,
  voice: any,
  firstMessage: z.string().optional(),
  firstMessageInterruptionsEnabled: z.boolean().optional(),
  firstMessageMode: any,
  voicemailDetection: any,
  clientMessages: any,
  serverMessages: z.array(z.string()).optional(),
  maxDurationSeconds: z.number().optional(),
  backgroundSound: any,
  modelOutputInMessagesEnabled: z.boolean().optional(),
  transportConfigurations: any,
  observabilityPlan: any,
  credentials: any,
  hooks: any,
  /** "values that will be used to replace the template variables" (LiquidJS `{{ name }}`). */
  variableValues: z.record(z.string(), z.unknown()).optional(),
  name: z.string().optional(),
  voicemailMessage: z.string().optional(),
  endCallMessage: z.string().optional(),
  endCallPhrases: z.array(z.string()).optional(),
  compliancePlan: any,
  /** "This is for metadata you want to store on the assistant": echoed in `call.assistantOverrides`. */
  metadata: z.record(z.string(), z.unknown()).optional(),
  backgroundSpeechDenoisingPlan: any,
  analysisPlan: any,
  artifactPlan: any,
  startSpeakingPlan: any,
  stopSpeakingPlan: any,
  monitorPlan: any,
  credentialIds: z.array(z.string()).optional(),
  server: serverSchema.optional(),
  keypadInputPlan: any,
});

const E164 = /^\+[1-9]\d{1,14}$/;

/** `src/api/types/CreateCustomerDto.ts`. */
const customerSchema = z.strictObject({
  numberE164CheckEnabled: z.boolean().optional(),
  extension: z.string().optional(),
  assistantOverrides: assistantOverridesSchema.optional(),
  number: z
    .string({ error: 'number must be a string' })
    .regex(E164, 'number must be a valid phone number in the E.164 format.')
    .optional(),
  sipUri: z.string().optional(),
  name: z.string().optional(),
  email: z.string().optional(),
  externalId: z.string().optional(),
});

/** `src/api/resources/calls/client/requests/CreateCallDto.ts`. */
export const createCallDtoSchema = z.strictObject({
  customers: z.array(customerSchema).optional(),
  name: z.string().optional(),
  schedulePlan: any,
  transport: any,
  assistantId: z.string({ error: 'assistantId must be a string' }).optional(),
  assistant: any,
  assistantOverrides: assistantOverridesSchema.optional(),
  squadId: z.string().optional(),
  squad: any,
  squadOverrides: any,
  workflowId: z.string().optional(),
  workflow: any,
  workflowOverrides: any,
  phoneNumberId: z.string({ error: 'phoneNumberId must be a string' }).optional(),
  phoneNumber: any,
  customerId: z.string().optional(),
  customer: customerSchema.optional(),
});
export type CreateCallDto = z.infer<typeof createCallDtoSchema>;

/** class-validator's messages for zod's issues: `property x should not exist`, `a.b must be …`. */
export function vapiValidationMessages(error: z.ZodError): string[] {
  const messages: string[] = [];
  for (const issue of error.issues) {
    const parent = issue.path.map(String);
    if (issue.code === 'unrecognized_keys') {
      const prefix = parent.length > 0 ? `${parent.join('.')}.` : '';
      for (const key of issue.keys) messages.push(`${prefix}property ${key} should not exist`);
      continue;
    }
    // class-validator names the property, then its parents are prefixed: `customer.number must be …`.
    const name = parent.at(-1) ?? '';
    const text = issue.message.startsWith(name) ? issue.message : `${name} ${issue.message}`;
    messages.push(parent.length > 1 ? `${parent.slice(0, -1).join('.')}.${text}` : text);
  }
  return messages;
}

/**
 * What the fake sends is checked against Vapi's documented server messages before it leaves, so the
 * fake cannot drift from the docs: `src/api/types/ServerMessage.ts` (`{message}`),
 * `ServerMessageStatusUpdate.ts`, `ServerMessageEndOfCallReport.ts` (`endedReason`, `artifact` and
 * `analysis` required), `Call.ts` (`id`, `orgId`, `createdAt`, `updatedAt` required), `Artifact.ts`,
 * `Analysis.ts` (`successEvaluation` is a string).
 */
const callSchema = z.strictObject({
  id: z.string(),
  orgId: z.string(),
  createdAt: z.string(),
  updatedAt: z.string(),
  type: z.enum(['inboundPhoneCall', 'outboundPhoneCall', 'webCall', 'vapi.websocketCall']).optional(),
  status: z.string().optional(),
  endedReason: z.string().optional(),
  startedAt: z.string().optional(),
  endedAt: z.string().optional(),
  assistantId: z.string().optional(),
  assistantOverrides: assistantOverridesSchema.optional(),
  phoneNumberId: z.string().optional(),
  customer: customerSchema.optional(),
  artifact: z.unknown().optional(),
  analysis: z.unknown().optional(),
});

const artifactSchema = z.strictObject({
  messages: z.array(z.looseObject({ role: z.string(), message: z.string().optional() })).optional(),
  transcript: z.string().optional(),
  recordingUrl: z.string().optional(),
});

const analysisSchema = z.strictObject({
  summary: z.string().optional(),
  structuredData: z.record(z.string(), z.unknown()).optional(),
  successEvaluation: z.string().optional(),
});

const envelopeCommon = {
  timestamp: z.number().optional(),
  call: callSchema.optional(),
  customer: customerSchema.optional(),
  phoneNumber: z.unknown().optional(),
};

export const serverMessageSchema = z.strictObject({
  message: z.discriminatedUnion('type', [
    z.strictObject({
      ...envelopeCommon,
      type: z.literal('status-update'),
      status: z.enum(['scheduled', 'queued', 'ringing', 'in-progress', 'forwarding', 'ended']),
      endedReason: z.string().optional(),
    }),
    z.strictObject({
      ...envelopeCommon,
      type: z.literal('end-of-call-report'),
      endedReason: z.string(),
      artifact: artifactSchema,
      analysis: analysisSchema,
      cost: z.number().optional(),
      startedAt: z.string().optional(),
      endedAt: z.string().optional(),
    }),
  ]),
});
