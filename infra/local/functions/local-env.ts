import { ENV } from '#shared/config/env-names.ts';
import { functionEnvironment, type EnvironmentTargets } from '../../function-environment.ts';
import { FUNCTIONS, type FunctionAccess, type FunctionName } from '../../wiring.ts';

/**
 * The environment each function gets locally: what the CDK stack sets on that Lambda (the same
 * derivation, infra/function-environment.ts, with local values), plus the local-only settings below
 * that point unchanged handler code at the emulators — and only those a function's access makes
 * useful. Each function runs in a worker thread started with exactly this (function-pool.ts).
 */

/** Region name given to the SDK locally; the emulators accept any. */
export const LOCAL_SDK_REGION = 'us-east-1';

/** The secret of every local access key: the authorizing layer tells callers apart by key id only. */
const LOCAL_SECRET_ACCESS_KEY = 'local';

/**
 * Operator credentials: the admin command, `npm start`'s bootstrap and the test helpers act as an
 * operator would, with every right. Dummy on purpose: local mode must never reach a real AWS account.
 */
export const LOCAL_CREDENTIALS = { accessKeyId: 'local', secretAccessKey: LOCAL_SECRET_ACCESS_KEY };

// Letters and digits only: DynamoDB Local refuses any other access key id.
const FUNCTION_KEY_PREFIX = 'LOCALFN';

/** A function's own local credentials; the access key id names it (see local-iam.ts). */
export function localFunctionCredentials(name: FunctionName) {
  return { accessKeyId: `${FUNCTION_KEY_PREFIX}${name}`, secretAccessKey: LOCAL_SECRET_ACCESS_KEY };
}

/** The function an access key id names; null for the operator's or an unknown key. */
export function functionOfAccessKey(accessKeyId: string): FunctionName | null {
  if (!accessKeyId.startsWith(FUNCTION_KEY_PREFIX)) return null;
  const name = accessKeyId.slice(FUNCTION_KEY_PREFIX.length);
  return Object.hasOwn(FUNCTIONS, name) ? (name as FunctionName) : null;
}

/** Where the functions reach the AWS stand-ins (the authorizing layer in front of each). */
export interface LocalEndpoints {
  dynamodb: string;
  sqs: string;
  s3: string;
  scheduler: string;
}

export interface LocalFunctionSettings {
  targets: EnvironmentTargets;
  endpoints: LocalEndpoints;
  /** The JSON file standing in for Secrets Manager (provider credentials). */
  secretsFile: string;
  /** The simulated telephone network, for the functions that can build a dialer. */
  simulatedProvider?: { url: string; secret: string };
  webhookAllowLoopback?: string;
  maxCallSeconds?: number;
  /**
   * More settings (tests, the bench): each replaces a variable a function already has, or goes to
   * the functions LOCAL_SETTINGS allows it for; a name no function may have is refused.
   */
  overrides?: Record<string, string>;
}

/** A dialer needs provider credentials, so only functions with secrets access can build one. */
const canDial = (access: FunctionAccess) => access.secrets !== undefined;
/** Only the sweeper reads the waiting times of stuck calls and lost messages. */
const sweeps = (_access: FunctionAccess, name: FunctionName) => name === 'sweeper';

/**
 * Local-only variables that are not in the CDK stack (the deployed code uses their defaults), and
 * which functions may have them.
 */
const LOCAL_SETTINGS: Record<string, (access: FunctionAccess, name: FunctionName) => boolean> = {
  [ENV.simulatedProviderUrl]: canDial,
  [ENV.simulatedProviderSecret]: canDial,
  [ENV.twilioApiBaseUrl]: canDial,
  [ENV.retellApiBaseUrl]: canDial,
  [ENV.elevenLabsApiBaseUrl]: canDial,
  [ENV.vapiApiBaseUrl]: canDial,
  [ENV.maxCallSeconds]: sweeps,
  [ENV.sweepGraceSeconds]: sweeps,
  [ENV.eventsHeartbeatSeconds]: (_access, name) => name === 'events',
};

const SDK_NODE_WARNING = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/** The variable names local mode may add to what the CDK stack gives (the parity test reads it). */
export const LOCAL_ONLY_VARIABLES: readonly string[] = [
  ENV.localMode,
  ENV.webhookAllowLoopback,
  ENV.localSecretsFile,
  ENV.localSecretsAccess,
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  SDK_NODE_WARNING,
  'AWS_ENDPOINT_URL_DYNAMODB',
  'AWS_ENDPOINT_URL_SQS',
  'AWS_ENDPOINT_URL_S3',
  'AWS_ENDPOINT_URL_SCHEDULER',
  ...Object.keys(LOCAL_SETTINGS),
];

export function localFunctionEnvironment(
  name: FunctionName,
  settings: LocalFunctionSettings,
): Record<string, string> {
  const { access } = FUNCTIONS[name];
  const credentials = localFunctionCredentials(name);
  const env: Record<string, string> = {
    ...functionEnvironment(name, settings.targets),
    [ENV.localMode]: 'true',
    AWS_REGION: LOCAL_SDK_REGION,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    // Lambda runs Node 22; the SDK's warning about this machine's Node 20 says nothing about the code.
    [SDK_NODE_WARNING]: 'true',
  };
  if (settings.webhookAllowLoopback !== undefined)
    env[ENV.webhookAllowLoopback] = settings.webhookAllowLoopback;
  // An endpoint only where the function has a grant: without one the SDK would go to real AWS.
  if (access.table) env.AWS_ENDPOINT_URL_DYNAMODB = settings.endpoints.dynamodb;
  if (access.sendTo?.length) env.AWS_ENDPOINT_URL_SQS = settings.endpoints.sqs;
  if (access.transcripts || access.uploads || access.exports) env.AWS_ENDPOINT_URL_S3 = settings.endpoints.s3;
  if (access.scheduler) env.AWS_ENDPOINT_URL_SCHEDULER = settings.endpoints.scheduler;
  if (access.secrets) {
    env[ENV.localSecretsFile] = settings.secretsFile;
    // The file store refuses writes to a function whose grant is read only.
    env[ENV.localSecretsAccess] = access.secrets;
  }
  const local: Record<string, string> = {};
  if (settings.simulatedProvider) {
    local[ENV.simulatedProviderUrl] = settings.simulatedProvider.url;
    local[ENV.simulatedProviderSecret] = settings.simulatedProvider.secret;
  }
  if (settings.maxCallSeconds !== undefined) local[ENV.maxCallSeconds] = String(settings.maxCallSeconds);
  for (const [key, value] of Object.entries({ ...local, ...settings.overrides })) {
    if (key in env || LOCAL_SETTINGS[key]?.(access, name)) env[key] = value;
  }
  return env;
}

/** Fails on an override no function would receive (a typo would otherwise be silently ignored). */
export function checkOverrides(settings: LocalFunctionSettings): void {
  const names = Object.keys(FUNCTIONS) as FunctionName[];
  for (const key of Object.keys(settings.overrides ?? {})) {
    if (!names.some((name) => key in localFunctionEnvironment(name, settings))) {
      throw new Error(`No local function may have the variable ${key} (see LOCAL_SETTINGS in local-env.ts)`);
    }
  }
}

/**
 * MAX_CALL_SECONDS for the simulated network: a call lasts SIM_CALL_MS, plus the network's callback
 * retries, with room. A call lost with a previous run (its network gone) is then failed by the sweeper
 * within minutes rather than after the hour a real call may last.
 */
export function localMaxCallSeconds(simCallMs: number): number {
  return Math.ceil(simCallMs / 1000) + 30;
}

/**
 * Points this process's own SDK clients (the operator's: tests, the admin command) at the emulators.
 * The functions never read this process's environment: each has its own (function-pool.ts).
 */
export function applyEnvironment(env: Record<string, string>): void {
  // A real session token next to dummy keys would only confuse the SDK's signer.
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
  Object.assign(process.env, env);
}
