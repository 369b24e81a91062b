import type { Dialer } from '../../ports/dialer.ts';
import type { DialMessage, MessageQueue, WebhookMessage } from '../../ports/queues.ts';
import type { RunStore } from '../../ports/run-store.ts';
import type { BatchScheduler } from '../../ports/scheduler.ts';
import type { SecretStore } from '../../ports/secret-store.ts';
import type { Store } from '../../ports/store.ts';
import type { TranscriptStore } from '../../ports/transcripts.ts';
import type { WebhookSender } from '../../ports/webhook-sender.ts';

/** The subset of a logger the run use cases use (Powertools' Logger fits). */
export interface RunLogger {
  info(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
  error(message: string, extra: Record<string, unknown>): void;
}

/** Everything running a batch needs; each function builds only what its handler uses. */
export interface RunDeps {
  store: Store;
  runStore: RunStore;
  dialQueue: MessageQueue<DialMessage>;
  webhookQueue: MessageQueue<WebhookMessage>;
  scheduler: BatchScheduler;
  dialerFor: (provider: string) => Dialer | undefined;
  secrets: SecretStore;
  transcripts: TranscriptStore;
  sendWebhook: WebhookSender;
  clock: () => Date;
  sleep: (ms: number) => Promise<void>;
  random: () => number;
  logger: RunLogger;
  /** Where providers call back: `<publicBaseUrl>/v1/telephony/<provider>/events`. */
  publicBaseUrl: string;
  webhookAllowLoopback: boolean;
  /** The longest call we wait for before asking the provider (or failing the call). */
  maxCallSeconds: number;
  /** How long the sweeper leaves work to its queue message before it assumes the message was lost. */
  sweepGraceMs: number;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
