import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ENV } from '#shared/config/env-names.ts';
import { API_KEY_CACHE_SECONDS } from '#shared/config/runtime-config.ts';
import type { DynamoDbLocal } from '../emulators/dynamodb-local.ts';
import { BootstrapError, ensureDemoResources, ensureLocalWorkspace, writeLocalState } from './bootstrap.ts';
import {
  LOCAL_TABLE_NAME,
  openLocalStore,
  resolveDataDir,
  startDataDirDynamoDb,
  type OpenedStore,
} from './data-dir-store.ts';
import { startGateway, type Gateway } from '../gateway/gateway.ts';
import { FunctionModuleError } from '../functions/invoke.ts';
import { startLocalAws, type LocalAws } from '../local-aws.ts';
import { createFunctionPool, type FunctionPool } from '../functions/function-pool.ts';
import {
  localFunctionEnvironment,
  localMaxCallSeconds,
  type LocalFunctionSettings,
} from '../functions/local-env.ts';
import { claimDataDir, DataDirBusyError, type DataDirClaim } from './runtime-file.ts';
import { startSimulatedNetwork, type SimulatedNetwork } from '../network/simulated-network.ts';
import { traceSlowRequests } from '../gateway/slow-requests.ts';
import { errorMessage } from '../http-helpers.ts';

/**
 * `npm start`: the whole service on one machine. DynamoDB Local (persisting under DATA_DIR) stands in
 * for DynamoDB, local emulators for SQS, S3 and EventBridge Scheduler (local-aws.ts), the local gateway
 * for API Gateway, pollers and timers for Lambda's triggers, and the simulated telephone network for a
 * voice provider; the functions run unchanged, each in a worker thread of its own with exactly its
 * environment and its grants (docs/local-mode.md).
 */

class ConfigError extends Error {}

interface StartConfig {
  port: number;
  host: string;
  dataDir: string;
  apiKey: string | undefined;
  publicBaseUrl: string | undefined;
  webhookAllowLoopback: string | undefined;
  simCallMs: number;
  /** The README's settings of the functions (MAX_CALL_SECONDS, …), passed on to those that read them. */
  maxCallSeconds: number | undefined;
  sweepGraceSeconds: string | undefined;
  authCacheTtlSeconds: number;
  /** The functions' log level (Powertools'): their request logs only when asked for. */
  logLevel: string;
}

/** The contract's default length of a simulated call. */
const DEFAULT_SIM_CALL_MS = 4_000;

/**
 * Powertools' log levels. Local mode's default is WARN: a function's failures still show, while
 * the per-request lines (INFO) would bury the banner with the key; LOG_LEVEL=INFO brings them back.
 */
const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'] as const;
const DEFAULT_LOCAL_LOG_LEVEL = 'WARN';

function readLogLevel(text: string | undefined): string {
  if (text === undefined || text === '') return DEFAULT_LOCAL_LOG_LEVEL;
  const level = text.toUpperCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${text}"`);
  }
  return level;
}

function readConfig(env: NodeJS.ProcessEnv): StartConfig {
  const portText = env.PORT ?? '3000';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535)
    throw new ConfigError(`PORT must be a port number, got "${portText}"`);
  const loopback = env.WEBHOOK_ALLOW_LOOPBACK;
  if (loopback !== undefined && loopback !== 'true' && loopback !== 'false') {
    throw new ConfigError('WEBHOOK_ALLOW_LOOPBACK must be "true" or "false"');
  }
  const publicBaseUrl = env.PUBLIC_BASE_URL;
  if (publicBaseUrl !== undefined && !URL.canParse(publicBaseUrl)) {
    throw new ConfigError(`PUBLIC_BASE_URL is not a URL: "${publicBaseUrl}"`);
  }
  const simCallText = env.SIM_CALL_MS ?? String(DEFAULT_SIM_CALL_MS);
  if (!/^\d+$/.test(simCallText) || Number(simCallText) > 3_600_000) {
    throw new ConfigError(
      `SIM_CALL_MS must be a whole number of milliseconds up to 3600000, got "${simCallText}"`,
    );
  }
  const apiKey = env.BATCH_CALLS_API_KEY;
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    dataDir: resolveDataDir(env.DATA_DIR),
    apiKey: apiKey === '' ? undefined : apiKey,
    publicBaseUrl: publicBaseUrl?.replace(/\/+$/, ''),
    webhookAllowLoopback: loopback,
    simCallMs: Number(simCallText),
    maxCallSeconds: wholeSeconds(env, ENV.maxCallSeconds),
    sweepGraceSeconds: env[ENV.sweepGraceSeconds],
    authCacheTtlSeconds: wholeSeconds(env, ENV.authCacheTtlSeconds) ?? API_KEY_CACHE_SECONDS,
    logLevel: readLogLevel(env.LOG_LEVEL),
  };
}

function wholeSeconds(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const text = env[name];
  if (text === undefined || text === '') return undefined;
  if (!/^\d+$/.test(text)) throw new ConfigError(`${name} must be a whole number of seconds, got "${text}"`);
  return Number(text);
}

/** What to print and call: a wildcard listen address is reached through loopback. */
function reachableHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

function shellQuote(value: string): string {
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

export function demoBatchRequest(agentId: string) {
  return {
    name: 'Appointment reminders',
    agent_id: agentId,
    recipients: [
      { phone: '+14155551234', dynamic_vars: { first_name: 'Alice', appointment_date: 'May 5th at 2pm' } },
      { phone: '+14155555678', dynamic_vars: { first_name: 'Bob', appointment_date: 'May 6th at 10am' } },
    ],
  };
}

function banner(info: {
  baseUrl: string;
  apiKey: string;
  workspaceId: string;
  phoneNumberId: string;
  agentId: string;
  dataDir: string;
  simCallMs: number;
  logLevel: string;
}): string {
  const curl = [
    `curl -X POST ${info.baseUrl}/v1/agents/batch-calls \\`,
    `  -H ${shellQuote(`Authorization: Bearer ${info.apiKey}`)} \\`,
    `  -H 'Content-Type: application/json' \\`,
    `  -d ${shellQuote(JSON.stringify(demoBatchRequest(info.agentId), null, 2))}`,
  ].join('\n');
  return [
    '',
    'batch-calls is running in local mode.',
    '',
    `  API base URL:     ${info.baseUrl}/v1`,
    `  Dashboard:        ${info.baseUrl}/`,
    `  API key:          ${info.apiKey}`,
    `  Workspace id:     ${info.workspaceId}`,
    `  Phone number id:  ${info.phoneNumberId}  (simulated outbound number)`,
    `  Demo agent id:    ${info.agentId}`,
    `  Data directory:   ${info.dataDir}`,
    `  Simulated calls:  ${info.simCallMs} ms each (SIM_CALL_MS)`,
    `  API description:  ${info.baseUrl}/v1/openapi.json  (OpenAPI 3.1, no key needed)`,
    info.logLevel === 'DEBUG' || info.logLevel === 'INFO'
      ? `  Function logs:    ${info.logLevel} (LOG_LEVEL), request lines included`
      : `  Function logs:    ${info.logLevel} and above (LOG_LEVEL=INFO adds a line per request)`,
    '',
    'Create a batch:',
    '',
    curl,
    '',
    'Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  let config: StartConfig;
  try {
    config = readConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Error: ${error.message}`);
      return 1;
    }
    throw error;
  }

  // A measuring aid (see slow-requests.ts): outbound requests slower than this are logged.
  const traceMs = Number(process.env.TRACE_SLOW_REQUESTS_MS ?? '');
  if (traceMs > 0) traceSlowRequests(traceMs, (message) => console.error(message));

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  let claim: DataDirClaim;
  try {
    claim = await claimDataDir(config.dataDir, 'start');
  } catch (error) {
    if (error instanceof DataDirBusyError) {
      console.error(`Error: ${error.message} Stop it first, or use another DATA_DIR.`);
      return 1;
    }
    throw error;
  }
  for (const notice of claim.notices) console.log(notice);

  let dynamo: DynamoDbLocal | undefined;
  let opened: OpenedStore | undefined;
  let localAws: LocalAws | undefined;
  let network: SimulatedNetwork | undefined;
  let gateway: Gateway | undefined;
  let functions: FunctionPool | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => {
    // No new requests first, then the triggers and emulators (running invocations get a bounded
    // time), the simulated network, and the database last since everything above writes to it.
    stopping ??= (async () => {
      await gateway?.close();
      await localAws?.stop();
      await functions?.stop();
      await network?.close();
      opened?.close();
      await dynamo?.stop();
      await claim.release();
    })();
    return stopping;
  };

  const onSignal = (signal: NodeJS.Signals) => {
    // Ctrl-C reaches every process of the terminal's group (npm, tsx, us) and may arrive twice.
    if (stopping) return;
    console.log(`\n${signal}: stopping…`);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(`Error while stopping: ${errorMessage(error)}`);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onSignal);

  try {
    console.log(`Starting DynamoDB Local (data in ${join(config.dataDir, 'dynamodb')})…`);
    const db = await startDataDirDynamoDb(config.dataDir, claim);
    dynamo = db;
    await claim.update({ dynamodbEndpoint: dynamo.endpoint });
    opened = await openLocalStore(dynamo.endpoint, LOCAL_TABLE_NAME);
    const workspace = await ensureLocalWorkspace(opened.store, config.dataDir, config.apiKey);
    for (const notice of workspace.notices) console.log(notice);

    console.log('Starting the local SQS, S3 and EventBridge Scheduler…');
    // Each function in a worker of its own, with exactly its environment; they start on first use,
    // once `settings` is known.
    const known: { settings?: LocalFunctionSettings } = {};
    functions = createFunctionPool({
      environmentOf: (name) => {
        if (!known.settings)
          throw new Error('The local functions were used before their settings were known');
        return localFunctionEnvironment(name, known.settings);
      },
    });
    const aws = await startLocalAws({
      dataDir: config.dataDir,
      dynamodbEndpoint: dynamo.endpoint,
      tableName: LOCAL_TABLE_NAME,
      functions,
    });
    localAws = aws;
    // A fresh secret each run: the network lives and dies with this process, and so do its calls.
    const simulatedSecret = randomBytes(32).toString('base64url');
    const net = await startSimulatedNetwork({ callMs: config.simCallMs, secret: simulatedSecret });
    network = net;

    // PORT=0 means "any": the gateway binds it, then the settings naming it are fixed before any
    // function starts (they read PUBLIC_BASE_URL at load).
    let baseUrl = '';
    try {
      // The dashboard's pre-signed CSV uploads go where the api function's S3 client points (the
      // authorizing proxy in front of the S3 emulator): its CSP must allow that origin.
      gateway = await startGateway({
        port: config.port,
        host: config.host,
        functions,
        dashboardConnectSources: [new URL(aws.functionEndpoints.s3).origin],
        beforeHandlers: ({ port }) => {
          baseUrl = `http://${reachableHost(config.host)}:${port}`;
          known.settings = {
            targets: {
              tableName: LOCAL_TABLE_NAME,
              publicBaseUrl: config.publicBaseUrl ?? baseUrl,
              ...aws.targets,
              authCacheTtlSeconds: config.authCacheTtlSeconds,
            },
            // Through the authorizing proxies: each function may do what its grants allow, no more.
            endpoints: aws.functionEndpoints,
            secretsFile: join(config.dataDir, 'secrets.json'),
            simulatedProvider: { url: net.url, secret: simulatedSecret },
            webhookAllowLoopback: config.webhookAllowLoopback,
            // Unless set: calls lost with a previous run are failed within minutes (see localMaxCallSeconds).
            maxCallSeconds: config.maxCallSeconds ?? localMaxCallSeconds(config.simCallMs),
            overrides: {
              [ENV.logLevel]: config.logLevel,
              ...(config.sweepGraceSeconds ? { [ENV.sweepGraceSeconds]: config.sweepGraceSeconds } : {}),
            },
          };
        },
      });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EADDRINUSE') {
        throw new ConfigError(
          `Port ${config.port} on ${config.host} is already in use; set PORT to another port.`,
        );
      }
      throw error;
    }
    // The admin command's redrive reaches these queues through the emulator's own endpoint.
    await claim.update({ apiUrl: baseUrl, sqsEndpoint: aws.sqs.endpoint });
    // After the environment: the trigger functions read it when their modules load.
    await aws.startTriggers();

    const demo = await ensureDemoResources(baseUrl, workspace.apiKey, workspace.state);
    for (const notice of demo.notices) console.log(notice);
    await writeLocalState(config.dataDir, demo.state);
    const { phoneNumberId, agentId } = demo.state;
    if (!phoneNumberId || !agentId) throw new BootstrapError('The demo resources were not created');

    console.log(
      banner({
        baseUrl,
        apiKey: workspace.apiKey,
        workspaceId: workspace.state.workspaceId,
        phoneNumberId,
        agentId,
        dataDir: config.dataDir,
        simCallMs: config.simCallMs,
        logLevel: config.logLevel,
      }),
    );
    return -1; // Keep running until a signal.
  } catch (error) {
    const known =
      error instanceof ConfigError || error instanceof BootstrapError || error instanceof FunctionModuleError;
    console.error(
      `Error: ${error instanceof Error ? (known ? error.message : (error.stack ?? error.message)) : String(error)}`,
    );
    await stop().catch(() => undefined);
    return 1;
  }
}

main().then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (error: unknown) => {
    console.error(`Error: ${errorMessage(error)}`);
    process.exit(1);
  },
);
