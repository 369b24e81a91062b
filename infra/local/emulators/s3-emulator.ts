import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FUNCTIONS, type FunctionName } from '../../wiring.ts';
import { LOCAL_CREDENTIALS, localFunctionCredentials } from '../functions/local-env.ts';

/**
 * S3 on one machine: s3rver on a random port, storing objects under a directory (DATA_DIR/s3 for
 * `npm start`, a temporary one in tests), with the transcripts bucket created at start.
 */

export interface S3Emulator {
  endpoint: string;
  bucket: string;
  directory: string;
  stop(): Promise<void>;
}

export interface S3EmulatorOptions {
  /** Where objects persist; omitted → a temporary directory removed on stop. */
  directory?: string;
  bucket: string;
  port?: number;
}

// s3rver ships no types; these are the parts used here (lib/s3rver.js, lib/models/account.js).
interface S3rverInstance {
  run(): Promise<{ port: number }>;
  close(): Promise<void>;
  httpServer?: Server;
}
type S3rverConstructor = new (options: {
  port: number;
  address: string;
  silent: boolean;
  directory: string;
  configureBuckets: Array<{ name: string; configs?: string[] }>;
}) => S3rverInstance;
interface S3rverAccounts {
  DUMMY_ACCOUNT: { createKeyPair(accessKeyId: string, secretAccessKey: string): void };
}

const require = createRequire(import.meta.url);

/**
 * The CORS rule of the deployed files bucket (infra/stacks/stateful-stack.ts), so the dashboard can
 * POST a CSV to the pre-signed form from its own origin, and follow a large export's redirect to its
 * pre-signed GET; without it s3rver answers no
 * Access-Control-Allow-Origin and the browser refuses the answer.
 */
const BUCKET_CORS = `<CORSConfiguration>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>PUT</AllowedMethod>
    <AllowedMethod>POST</AllowedMethod>
    <AllowedHeader>content-type</AllowedHeader>
    <AllowedHeader>content-length</AllowedHeader>
    <AllowedHeader>content-md5</AllowedHeader>
    <AllowedHeader>x-amz-*</AllowedHeader>
    <ExposeHeader>ETag</ExposeHeader>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
  <CORSRule>
    <AllowedOrigin>*</AllowedOrigin>
    <AllowedMethod>GET</AllowedMethod>
    <MaxAgeSeconds>3000</MaxAgeSeconds>
  </CORSRule>
</CORSConfiguration>`;

export async function startS3Emulator(options: S3EmulatorOptions): Promise<S3Emulator> {
  const S3rver = require('s3rver') as S3rverConstructor;
  // s3rver only knows its own S3RVER key; the operator and each function sign with their own local
  // credentials (what each may do is checked in front of it, local-iam.ts).
  const accounts = require('s3rver/lib/models/account.js') as S3rverAccounts;
  accounts.DUMMY_ACCOUNT.createKeyPair(LOCAL_CREDENTIALS.accessKeyId, LOCAL_CREDENTIALS.secretAccessKey);
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
    const own = localFunctionCredentials(name);
    accounts.DUMMY_ACCOUNT.createKeyPair(own.accessKeyId, own.secretAccessKey);
  }

  const temporary = options.directory === undefined;
  const directory = options.directory ?? (await mkdtemp(join(tmpdir(), 'batch-calls-s3-')));
  await mkdir(directory, { recursive: true });
  const server = new S3rver({
    port: options.port ?? 0,
    address: '127.0.0.1',
    silent: true,
    directory,
    // Creating an existing bucket is fine: s3rver keeps its objects (and replaces the CORS rule).
    configureBuckets: [{ name: options.bucket, configs: [BUCKET_CORS] }],
  });
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    if (temporary) await rm(directory, { recursive: true, force: true });
    throw error;
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    bucket: options.bucket,
    directory,
    async stop() {
      const closed = server.close();
      // A client's kept-alive sockets would otherwise hold the close open.
      server.httpServer?.closeAllConnections();
      await closed;
      if (temporary) await rm(directory, { recursive: true, force: true });
    },
  };
}
