import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ArnFormat, Duration, Stack, type RemovalPolicy } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import type { Construct } from 'constructs';
import type { DeployConfig } from '#infra/config.ts';
import { FUNCTION_BUNDLE } from '#infra/bundling.ts';
import { functionEnvironment } from '#infra/function-environment.ts';
import { secretsPrefix, type DataFile, type FunctionName, type FunctionSpec } from '#infra/wiring.ts';
import { FILES_PREFIX, type StatefulStack } from '#infra/stacks/stateful-stack.ts';
import type { GrantTargets } from './grant-targets.ts';
import { depsLayer } from './deps-layer.ts';
import { pascal } from './names.ts';

/**
 * One Lambda function of infra/wiring.ts's FUNCTIONS: its own log group, its own role holding exactly
 * the grants its `access` lists, the environment infra/function-environment.ts derives (the local
 * runtime uses the same derivation), an ESM bundle of its entry. Resources `<Name>Logs`,
 * `<Name>Role`, `<Name>Function` in the given scope.
 */

const SECRET_ACTIONS = {
  read: ['secretsmanager:GetSecretValue'],
  readWrite: [
    'secretsmanager:GetSecretValue',
    'secretsmanager:CreateSecret',
    'secretsmanager:PutSecretValue',
    'secretsmanager:DeleteSecret',
  ],
} as const;

/** The schedule actions the api function needs for one-time start schedules; nothing to read or list. */
export const SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'] as const;

export interface ServiceFunctionProps {
  config: DeployConfig;
  stateful: StatefulStack;
  targets: GrantTargets;
  /** The repository root: the entry, package-lock.json and tsconfig.json are resolved from here. */
  projectRoot: string;
  logRetention: logs.RetentionDays;
  logRemoval: RemovalPolicy;
  /** Where providers call back (the API's base URL). */
  publicBaseUrl: string;
  /** The one-time start schedules: their group, their role and the function they invoke. */
  scheduler: { groupName: string; role: iam.Role; targetArn: string };
}

/** The wildcard ARNs a function's role was granted (null: no such grant); cdk-nag names each. */
export interface WildcardGrants {
  /** `<table>/index/*`: a Query may use any index of the table. */
  tableIndexes: string | null;
  transcripts: string | null;
  uploads: string | null;
  exports: string | null;
  secrets: string | null;
  schedules: string | null;
}

export interface ServiceFunction {
  name: FunctionName;
  spec: FunctionSpec;
  fn: nodejs.NodejsFunction;
  role: iam.Role;
  wildcards: WildcardGrants;
}

export function serviceFunction(
  scope: Construct,
  name: FunctionName,
  spec: FunctionSpec,
  props: ServiceFunctionProps,
): ServiceFunction {
  const { config, stateful, projectRoot } = props;
  const entry = join(projectRoot, spec.entry);
  if (!existsSync(entry)) {
    throw new Error(
      `Function "${name}": its entry ${spec.entry} does not exist (FUNCTIONS.${name}.entry in infra/wiring.ts).`,
    );
  }
  const id = pascal(name);
  const logGroup = new logs.LogGroup(scope, `${id}Logs`, {
    retention: props.logRetention,
    removalPolicy: props.logRemoval,
  });
  // An own role instead of the default one: the default attaches an AWS managed policy that may
  // write to any log group; this one writes to its own.
  const role = new iam.Role(scope, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: `batch-calls ${name} function`,
  });
  logGroup.grantWrite(role);

  // The settings come from the one derivation the local runtime uses too; the grants below match.
  const environment = functionEnvironment(name, {
    tableName: stateful.table.tableName,
    publicBaseUrl: props.publicBaseUrl,
    queueUrls: {
      dial: stateful.queues.dial.queue.queueUrl,
      webhook: stateful.queues.webhook.queue.queueUrl,
    },
    filesBucket: stateful.filesBucket.bucketName,
    scheduler: {
      groupName: props.scheduler.groupName,
      targetArn: props.scheduler.targetArn,
      roleArn: props.scheduler.role.roleArn,
      deadLetterArn: stateful.schedulerDeadLetterQueue.queueArn,
    },
    authCacheTtlSeconds: config.limits.authCacheTtlSeconds,
    // One namespace per stage: a dev stack in the same account does not add to prod's figures.
    observability: { metricsNamespace: `batch-calls/${config.stage}`, tracer: config.tracer },
    secretsPrefix: secretsPrefix(config.stage),
    retentionDays: config.retentionDays,
  });

  const wildcards = grantAccess(scope, role, spec.access, props);

  const fn = new nodejs.NodejsFunction(scope, `${id}Function`, {
    description: `batch-calls ${name} (${spec.entry})`,
    entry,
    handler: 'handler',
    projectRoot,
    depsLockFilePath: join(projectRoot, 'package-lock.json'),
    runtime: lambda.Runtime.NODEJS_22_X,
    // The runtime changes only when the stack deploys, never under a running function (the SDK
    // and the Tracer are the layer's, from the lockfile: infra/deps-layer.ts).
    runtimeManagementMode: lambda.RuntimeManagementMode.FUNCTION_UPDATE,
    architecture: lambda.Architecture.ARM_64,
    memorySize: spec.memoryMb,
    timeout: Duration.seconds(spec.timeoutSeconds),
    tracing: lambda.Tracing.ACTIVE,
    // The AWS SDK clients and the Powertools Tracer (functions/lib/tracing.ts) of the lockfile.
    layers: [depsLayer(scope, projectRoot)],
    loggingFormat: lambda.LoggingFormat.JSON,
    logGroup,
    role,
    environment,
    bundling: {
      format: nodejs.OutputFormat.ESM,
      target: FUNCTION_BUNDLE.target,
      mainFields: [...FUNCTION_BUNDLE.mainFields],
      minify: FUNCTION_BUNDLE.minify,
      sourceMap: FUNCTION_BUNDLE.sourcemap,
      externalModules: [...FUNCTION_BUNDLE.external],
      banner: FUNCTION_BUNDLE.banner,
      // Relative to the project root, where the bundling runs (infra/bundling.ts BUNDLE_ALIASES).
      esbuildArgs: { '--alias': Object.entries(FUNCTION_BUNDLE.alias).map(([from, to]) => `${from}=${to}`) },
      tsconfig: join(projectRoot, 'tsconfig.json'),
      ...(spec.dataFiles?.length ? { commandHooks: copyDataFiles(spec.dataFiles) } : {}),
    },
  });
  return { name, spec, fn, role, wildcards };
}

/** Copies the function's data files next to its bundle (the adapters read them from there). */
function copyDataFiles(files: readonly DataFile[]): nodejs.ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) =>
      files.map((file) => `cp "${inputDir}/${file.from}" "${outputDir}/${file.to}"`),
  };
}

/** Each `access` entry as one `grant*` call, nothing broader. */
function grantAccess(
  scope: Construct,
  role: iam.Role,
  access: FunctionSpec['access'],
  { config, stateful, targets, scheduler }: ServiceFunctionProps,
): WildcardGrants {
  const stack = Stack.of(scope);
  const { table, filesBucket } = targets;
  if (access.table?.length) {
    // The actions the wiring lists, not CDK's grantReadWriteData (which adds Scan, DescribeTable and
    // every write to every function). Only a Query reaches the index.
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: access.table.map((action) => `dynamodb:${action}`),
      resourceArns: [table.tableArn],
    });
    if (access.table.includes('Query')) {
      iam.Grant.addToPrincipal({
        grantee: role,
        actions: ['dynamodb:Query'],
        resourceArns: [`${table.tableArn}/index/*`],
      });
    }
  }
  for (const queueName of access.sendTo ?? []) {
    const { queue } = stateful.queues[queueName];
    queue.grantSendMessages(role);
  }
  if (access.transcripts) {
    const keys = `${FILES_PREFIX.transcripts}*`;
    if (access.transcripts === 'read') filesBucket.grantRead(role, keys);
    else filesBucket.grantPut(role, keys);
  }
  if (access.uploads) {
    // `sign`: pre-signs the POST (the signature carries this role's PutObject right); `read`: reads
    // the file back when a batch names it.
    const keys = `${FILES_PREFIX.uploads}*`;
    if (access.uploads === 'sign') filesBucket.grantPut(role, keys);
    else filesBucket.grantRead(role, keys);
  }
  if (access.exports) {
    // Writes the file and pre-signs its GET (the signature carries this role's GetObject right).
    const keys = `${FILES_PREFIX.exports}*`;
    filesBucket.grantPut(role, keys);
    filesBucket.grantRead(role, keys);
  }
  const secretArn = access.secrets
    ? stack.formatArn({
        service: 'secretsmanager',
        resource: 'secret',
        // This stage's secrets only (infra/wiring.ts secretsPrefix).
        resourceName: `${secretsPrefix(config.stage)}*`,
        arnFormat: ArnFormat.COLON_RESOURCE_NAME,
      })
    : null;
  if (access.secrets && secretArn) {
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: [...SECRET_ACTIONS[access.secrets]],
      resourceArns: [secretArn],
    });
  }
  const scheduleArn = access.scheduler
    ? stack.formatArn({
        service: 'scheduler',
        resource: 'schedule',
        resourceName: `${scheduler.groupName}/*`,
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
      })
    : null;
  if (scheduleArn) {
    iam.Grant.addToPrincipal({
      grantee: role,
      actions: [...SCHEDULE_ACTIONS],
      resourceArns: [scheduleArn],
    });
    scheduler.role.grantPassRole(role);
  }
  return {
    tableIndexes: access.table?.includes('Query') ? `${table.tableArn}/index/*` : null,
    transcripts: access.transcripts ? filesBucket.arnForObjects(`${FILES_PREFIX.transcripts}*`) : null,
    uploads: access.uploads ? filesBucket.arnForObjects(`${FILES_PREFIX.uploads}*`) : null,
    exports: access.exports ? filesBucket.arnForObjects(`${FILES_PREFIX.exports}*`) : null,
    secrets: secretArn,
    schedules: scheduleArn,
  };
}
