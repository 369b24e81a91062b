import type { HostResolver } from '../ports/host-resolver.ts';
import type { MessageQueue, WebhookMessage } from '../ports/queues.ts';
import type { RunStore } from '../ports/run-store.ts';
import type { BatchScheduler } from '../ports/scheduler.ts';
import type { TranscriptStore } from '../ports/transcripts.ts';
import type { UploadStore } from '../ports/uploads.ts';
import type { ExportStore } from '../ports/exports.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { Store } from '../ports/store.ts';
import type { PhoneTimezones } from '../ports/timezones.ts';

/** What the use cases are given (they never import adapters themselves). */
export interface AppDeps {
  store: Store;
  runStore: RunStore;
  scheduler: BatchScheduler;
  webhookQueue: MessageQueue<WebhookMessage>;
  transcripts: TranscriptStore;
  uploads: UploadStore;
  /** Results exports too large to answer inline. */
  exports: ExportStore;
  secrets: SecretStore;
  resolveHost: HostResolver;
  /** Phone number → IANA zones (calling windows); its data loads on first use. */
  phoneTimezones: PhoneTimezones;
  clock: () => Date;
  /** Local mode lets http:// and loopback webhook URLs through (contract, "Local mode"). */
  webhookAllowLoopback: boolean;
  logger?: { error(message: string, extra: Record<string, unknown>): void };
}
