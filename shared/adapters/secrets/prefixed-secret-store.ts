import type { SecretStore } from '../../ports/secret-store.ts';

/**
 * Names every secret under the deployment's prefix (`batch-calls/<stage>/`, SECRETS_PREFIX), which is
 * also the only name its IAM grant allows: a dev stack's functions cannot read or delete prod's
 * credentials even in the same account. A function deployed without the prefix (it has no secrets
 * grant) fails on first use, naming the setting.
 */
export function prefixedSecretStore(inner: SecretStore, prefix: string | null): SecretStore {
  const name = (ref: string) => {
    if (!prefix) throw new Error('SECRETS_PREFIX is not set: this function has no secrets grant');
    return `${prefix}${ref}`;
  };
  return {
    get: (ref) => inner.get(name(ref)),
    put: (ref, values) => inner.put(name(ref), values),
    delete: (ref) => inner.delete(name(ref)),
  };
}
