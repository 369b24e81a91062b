import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BatchCallsApp } from '#infra/app.ts';
import { LOCAL_FILE_PREFIXES } from '#infra/local/local-aws.ts';
import { FILES_PREFIX } from '#infra/stacks/stateful-stack.ts';
import {
  LOCAL_ONLY_VARIABLES,
  localFunctionEnvironment,
  type LocalFunctionSettings,
} from '#infra/local/functions/local-env.ts';
import {
  FUNCTIONS,
  QUEUE_SOURCES,
  QUEUES,
  RECURRING,
  ROUTES,
  SCHEDULER_TARGET,
  STREAM_SOURCES,
  routeKey,
  type FunctionName,
  type QueueName,
} from '#infra/wiring.ts';
import { idOf, ofType, type Props, type Resource } from '../helpers/template.ts';

/** Local values for every setting: which names a function gets does not depend on them. */
const LOCAL_SAMPLE: LocalFunctionSettings = {
  targets: {
    tableName: 'table',
    publicBaseUrl: 'http://127.0.0.1:3000',
    queueUrls: { dial: 'http://127.0.0.1:1/q/dial', webhook: 'http://127.0.0.1:1/q/webhook' },
    filesBucket: 'bucket',
    scheduler: {
      groupName: 'batch-calls',
      targetArn: 'arn:aws:lambda:us-east-1:000000000000:function:start',
      roleArn: 'arn:aws:iam::000000000000:role/scheduler',
      deadLetterArn: 'arn:aws:sqs:us-east-1:000000000000:dlq',
    },
    authCacheTtlSeconds: 60,
    secretsPrefix: 'batch-calls/local/',
    retentionDays: 90,
  },
  endpoints: { dynamodb: 'http://d', sqs: 'http://q', s3: 'http://s', scheduler: 'http://e' },
  secretsFile: '/tmp/secrets.json',
  simulatedProvider: { url: 'http://n', secret: 'x'.repeat(32) },
  maxCallSeconds: 30,
};

/**
 * infra/wiring.ts is what the local runtime reads; this checks that the synthesized stacks say the
 * same: every function, route, trigger, batch size, concurrency and filter, and nothing else.
 * Everything is read back from the template and mapped to wiring names, then compared whole.
 */

let built: BatchCallsApp;
let stateful: Template;
let stateless: Template;
let outdir: string;

beforeAll(() => {
  outdir = mkdtempSync(join(tmpdir(), 'batch-calls-cdk-'));
  built = buildApp({
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true, region: 'eu-west-1' },
    outdir,
    env: {},
    nagChecks: false,
  });
  stateful = Template.fromStack(built.stateful);
  stateless = Template.fromStack(built.stateless);
});

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];
const key = (v: unknown) => JSON.stringify(v);

/** Template value → wiring function name (by `Ref` or `GetAtt …Arn` of its function). */
function functionNamed(value: unknown): FunctionName {
  for (const name of FUNCTION_NAMES) {
    const id = idOf(built.stateless, built.stateless.functions[name]);
    if (key(value) === key({ Ref: id }) || key(value) === key({ 'Fn::GetAtt': [id, 'Arn'] })) return name;
  }
  throw new Error(`not a wiring function: ${key(value)}`);
}

/** Template value (an import of the stateful stack's export) → the stateful resource it names. */
function exported(value: unknown): string {
  const name = (value as { 'Fn::ImportValue'?: string })['Fn::ImportValue'];
  for (const output of Object.values(stateful.toJSON().Outputs as Record<string, Props>)) {
    if ((output.Export as { Name?: string } | undefined)?.Name === name) {
      const getAtt = (output.Value as { 'Fn::GetAtt'?: [string, string] })['Fn::GetAtt'];
      if (getAtt) return `${getAtt[0]}.${getAtt[1]}`;
    }
  }
  throw new Error(`not a stateful export: ${key(value)}`);
}

function queueNamed(value: unknown): QueueName {
  const target = exported(value);
  for (const name of QUEUE_NAMES) {
    if (target === `${idOf(built.stateful, built.stateful.queues[name].queue)}.Arn`) return name;
  }
  throw new Error(`not a wiring queue: ${target}`);
}

describe('parity of the CDK app with infra/wiring.ts', () => {
  it('deploys every function of FUNCTIONS, with its entry, memory and timeout, and no other', () => {
    const deployed = ofType(stateless, 'AWS::Lambda::Function')
      .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
      .map(([id, fn]) => {
        const name = functionNamed({ Ref: id });
        return [
          name,
          {
            description: fn.Properties?.Description,
            memoryMb: fn.Properties?.MemorySize,
            timeoutSeconds: fn.Properties?.Timeout,
          },
        ];
      });
    expect(Object.fromEntries(deployed)).toEqual(
      Object.fromEntries(
        FUNCTION_NAMES.map((name) => [
          name,
          {
            description: `batch-calls ${name} (${FUNCTIONS[name].entry})`,
            memoryMb: FUNCTIONS[name].memoryMb,
            timeoutSeconds: FUNCTIONS[name].timeoutSeconds,
          },
        ]),
      ),
    );
  });

  it('gives each function the environment variables local mode gives it, and no other', () => {
    const deployed = ofType(stateless, 'AWS::Lambda::Function')
      .filter(([id]) => !id.startsWith('CustomCDKBucketDeployment'))
      .map(([id, fn]) => {
        const variables = (fn.Properties?.Environment as { Variables?: Props } | undefined)?.Variables;
        return [functionNamed({ Ref: id }), Object.keys(variables ?? {}).sort()];
      });
    // What the local runtime starts each function's worker with, less the local-only settings.
    const local = FUNCTION_NAMES.map((name) => {
      const names = Object.keys(localFunctionEnvironment(name, LOCAL_SAMPLE));
      return [name, names.filter((n) => !LOCAL_ONLY_VARIABLES.includes(n)).sort()];
    });
    expect(Object.fromEntries(deployed)).toEqual(Object.fromEntries(local));
    // A local-only name the stack also sets would hide a difference from the comparison above.
    const deployedNames = new Set(deployed.flatMap(([, names]) => names as string[]));
    expect(LOCAL_ONLY_VARIABLES.filter((n) => deployedNames.has(n))).toEqual([]);
  });

  it('authorizes local requests under the files bucket prefixes the stack grants', () => {
    expect(LOCAL_FILE_PREFIXES).toEqual(FILES_PREFIX);
  });

  it('serves exactly the ROUTES, each by its function, with no authorizer (the functions authenticate)', () => {
    const integrations = new Map(
      ofType(stateless, 'AWS::ApiGatewayV2::Integration').map(([id, integration]) => [
        id,
        functionNamed(integration.Properties?.IntegrationUri),
      ]),
    );
    const routes = ofType(stateless, 'AWS::ApiGatewayV2::Route').map(([, route]) => {
      const target =
        String(key(route.Properties?.Target)).match(/"integrations\/","?.*?\{"Ref":"([^"]+)"/)?.[1] ?? '';
      return {
        key: route.Properties?.RouteKey,
        function: integrations.get(target),
        authorizer: route.Properties?.AuthorizationType ?? 'NONE',
      };
    });
    const sortByKey = <T extends { key: unknown }>(list: T[]) =>
      [...list].sort((a, b) => String(a.key).localeCompare(String(b.key)));
    expect(sortByKey(routes)).toEqual(
      sortByKey(
        ROUTES.filter((route) => route.via === 'httpApi').map((route) => ({
          key: routeKey(route),
          function: route.function,
          authorizer: 'NONE',
        })),
      ),
    );
  });

  it('gives each function of a streamed route a response-streaming URL (the local gateway streams it)', () => {
    const urls = ofType(stateless, 'AWS::Lambda::Url').map(([, url]) => ({
      function: functionNamed(url.Properties?.TargetFunctionArn),
      invokeMode: url.Properties?.InvokeMode,
      authType: url.Properties?.AuthType,
    }));
    const streamed = [...new Set(ROUTES.filter((r) => r.via === 'functionUrl').map((r) => r.function))];
    expect(streamed.length).toBeGreaterThan(0);
    expect(urls).toEqual(
      streamed.map((name) => ({ function: name, invokeMode: 'RESPONSE_STREAM', authType: 'NONE' })),
    );
  });

  it('has the queues of QUEUES, with their visibility timeout, retention and redrive', () => {
    for (const name of QUEUE_NAMES) {
      const queue = stateful.toJSON().Resources[
        idOf(built.stateful, built.stateful.queues[name].queue)
      ] as Resource;
      expect(queue.Properties, name).toMatchObject({
        VisibilityTimeout: QUEUES[name].visibilityTimeoutSeconds,
        MessageRetentionPeriod: QUEUES[name].retentionSeconds,
        RedrivePolicy: { maxReceiveCount: QUEUES[name].maxReceiveCount },
      });
    }
  });

  it('triggers functions from queues exactly as QUEUE_SOURCES says', () => {
    const sources = ofType(stateless, 'AWS::Lambda::EventSourceMapping')
      .map(([, m]) => m.Properties ?? {})
      .filter((m) => m.StartingPosition === undefined)
      .map((m) => ({
        queue: queueNamed(m.EventSourceArn),
        function: functionNamed(m.FunctionName),
        batchSize: m.BatchSize,
        maxConcurrency: (m.ScalingConfig as { MaximumConcurrency?: number } | undefined)?.MaximumConcurrency,
        maxBatchingWindowSeconds: m.MaximumBatchingWindowInSeconds,
        reportBatchItemFailures: key(m.FunctionResponseTypes) === key(['ReportBatchItemFailures']),
      }));
    // Every field but the concurrency, which the deployment takes from context (local mode's is smaller).
    expect(sources).toEqual(
      QUEUE_SOURCES.map((s) => ({ ...s, maxConcurrency: built.config.queueConcurrency[s.queue] })),
    );
  });

  it('triggers functions from the table stream exactly as STREAM_SOURCES says, filters included', () => {
    const streamArn = `${idOf(built.stateful, built.stateful.table)}.StreamArn`;
    const sources = ofType(stateless, 'AWS::Lambda::EventSourceMapping')
      .map(([, m]) => m.Properties ?? {})
      .filter((m) => m.StartingPosition !== undefined)
      .map((m) => {
        expect(exported(m.EventSourceArn)).toBe(streamArn);
        return {
          function: functionNamed(m.FunctionName),
          batchSize: m.BatchSize,
          maxBatchingWindowSeconds: m.MaximumBatchingWindowInSeconds,
          startingPosition: m.StartingPosition,
          bisectBatchOnError: m.BisectBatchOnFunctionError,
          retryAttempts: m.MaximumRetryAttempts,
          maxRecordAgeSeconds: m.MaximumRecordAgeInSeconds,
          parallelizationFactor: m.ParallelizationFactor,
          reportBatchItemFailures: key(m.FunctionResponseTypes) === key(['ReportBatchItemFailures']),
          filters: (m.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map(
            (f) => JSON.parse(f.Pattern) as unknown,
          ),
        };
      });
    expect(sources).toEqual(STREAM_SOURCES.map((s) => ({ ...s })));
  });

  it('runs the RECURRING functions at their rate', () => {
    const rules = ofType(stateless, 'AWS::Events::Rule').map(([, rule]) => {
      const targets = rule.Properties?.Targets as { Arn: unknown }[];
      expect(targets).toHaveLength(1);
      return { function: functionNamed(targets[0]?.Arn), rate: rule.Properties?.ScheduleExpression };
    });
    expect(rules).toEqual(RECURRING.map(({ function: fn, rate }) => ({ function: fn, rate })));
  });

  it('lets EventBridge Scheduler invoke SCHEDULER_TARGET, and nothing else', () => {
    const role = idOf(built.stateless, built.stateless.schedulerRole);
    const invoked = ofType(stateless, 'AWS::IAM::Policy')
      .filter(([, p]) => key(p.Properties?.Roles) === key([{ Ref: role }]))
      .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Props[] }).Statement)
      .filter((s) => key(s.Action) === key('lambda:InvokeFunction'))
      .map((s) => functionNamed(s.Resource));
    expect(invoked).toEqual([SCHEDULER_TARGET]);
  });
});
