import type { S3Client, S3ClientConfig } from '@aws-sdk/client-s3';
import { commonClientConfig, type AwsClientOptions } from '../aws/client-options.ts';

/**
 * The S3 SDK is the heaviest client to load (≈ 50–90 ms of a cold start on the bench machine, more
 * than the DynamoDB and SQS clients together add after the shared core), and most invocations of
 * the functions that hold files never touch one: the stream reads a transcript only to capture an
 * opt-out, the sweeper writes one only for a call it settles by asking the provider, the create
 * reads an upload only when the batch names one. So the adapters load it on first use
 * (`lazyS3`): a bundle keeps a static import of an SDK package at its top, loaded at every start,
 * whereas `import()` of it runs when called. The function that signs uploads loads the POST
 * pre-signer the same way (s3-upload-store.ts).
 */
export type S3Sdk = typeof import('@aws-sdk/client-s3');

/** An S3 client and the SDK's commands, loaded once, on the first call of `load`. */
export interface S3Access {
  load(): Promise<{ sdk: S3Sdk; client: S3Client }>;
}

export function s3ClientConfig(
  options: AwsClientOptions = {},
  env: Record<string, string | undefined> = process.env,
): S3ClientConfig {
  // An S3 emulator serves buckets under its path, not as <bucket>.<host> subdomains.
  const emulated = options.endpoint !== undefined || Boolean(env.AWS_ENDPOINT_URL_S3);
  return {
    ...commonClientConfig(options),
    ...(emulated ? { forcePathStyle: true } : {}),
    // Without this the SDK streams uploads with aws-chunked framing, which s3rver stores verbatim.
    requestChecksumCalculation: 'WHEN_REQUIRED',
  };
}

/**
 * The SDK and a client built from `options` on first use (`prepare` sees it first: the tracer wraps
 * it); a failed load is tried again next time.
 */
export function lazyS3(
  options: AwsClientOptions = {},
  prepare: (client: S3Client) => S3Client = (client) => client,
): S3Access {
  let loading: Promise<{ sdk: S3Sdk; client: S3Client }> | null = null;
  return {
    load() {
      loading ??= loadSdk().then(
        (sdk) => ({ sdk, client: prepare(new sdk.S3Client(s3ClientConfig(options))) }),
        (error: unknown) => {
          loading = null;
          throw error;
        },
      );
      return loading;
    },
  };
}

/** A client the caller built (tests, local tools, the signing function): the SDK is loaded already. */
export function s3Access(client: S3Client | S3Access): S3Access {
  if ('load' in client) return client;
  let sdk: Promise<S3Sdk> | null = null;
  return {
    async load() {
      return { sdk: await (sdk ??= loadSdk()), client };
    },
  };
}

/**
 * The exports of a CommonJS package loaded by `import()`: Node names them, but a bundle that carries
 * the package (local mode's, which splits chunks) hands them over as the module's `default`. `probe`
 * is an export the package surely has.
 */
export function cjsExports<T extends object>(loaded: T & { default?: T }, probe: keyof T): T {
  return typeof loaded[probe] === 'function' ? loaded : (loaded.default ?? loaded);
}

async function loadSdk(): Promise<S3Sdk> {
  return cjsExports(await import('@aws-sdk/client-s3'), 'S3Client');
}
