import type { HostResolver } from '../ports/host-resolver.ts';
import type { SecretStore } from '../ports/secret-store.ts';
import type { Store } from '../ports/store.ts';

/** What the use cases are given (they never import adapters themselves). */
export interface AppDeps {
  store: Store;
  secrets: SecretStore;
  resolveHost: HostResolver;
  clock: () => Date;
  /** Local mode lets http:// and loopback webhook URLs through (contract, "Local mode"). */
  webhookAllowLoopback: boolean;
}
