import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type BatchCallsApp } from '#infra/app.ts';
import { LOCAL_FILE_PREFIXES } from '#infra/local/local-aws.ts';
import { policyOf, type LocalResources } from '#infra/local/functions/local-iam.ts';
import { DeployConfigError, parseDeployConfig } from '#infra/config.ts';
import { dashboardContentSecurityPolicy, dashboardSecurityHeaders } from '#infra/dashboard-headers.ts';
import { EXPORT_EXPIRY_DAYS, FILES_PREFIX, UPLOAD_EXPIRY_DAYS } from '#infra/stacks/stateful-stack.ts';
import { QUEUE_AGE_ALARM_SECONDS, STREAM_ITERATOR_AGE_ALARM_MS } from '#infra/constructs/alarms.ts';
import { nagText } from '#infra/stacks/nag-acknowledgements.ts';
import {
  deadLetterQueueName,
  SCHEDULER_DLQ_NAME,
  stageQueueName,
  STREAM_FAILURES_NAME,
} from '#infra/queue-names.ts';
import {
  FUNCTIONS,
  QUEUE_SOURCES,
  QUEUES,
  ROUTES,
  routeKey as wiringRouteKey,
  SCHEDULER_TARGET,
  STREAM_SOURCES,
  type FunctionName,
} from '#infra/wiring.ts';
import { TABLE } from '#shared/adapters/dynamodb/table-definition.ts';
import { ENV } from '#shared/config/env-names.ts';
import { idOf, ofType, props, resources, type Props } from '../helpers/template.ts';
import { LAYER_PACKAGE } from '#infra/deps-layer.ts';

/**
 * The properties of the synthesized stacks that matter for correctness and safety. Bundling is
 * skipped (the code is not under test here), each app is built once.
 */

interface Statement {
  Effect: string;
  Action: string[];
  Resource: unknown[];
  Principal?: unknown;
  Condition?: Props;
}

const FUNCTION_NAMES = Object.keys(FUNCTIONS) as FunctionName[];
/** What a table stream event source grants its function on the stream (not the table's items). */
const STREAM_READS = new Set([
  'dynamodb:ListStreams',
  'dynamodb:DescribeStream',
  'dynamodb:GetRecords',
  'dynamodb:GetShardIterator',
]);
const LOCAL_RESOURCES: LocalResources = {
  tableName: 't',
  queueNames: { dial: 'dial', webhook: 'webhook' },
  bucket: 'b',
  prefixes: LOCAL_FILE_PREFIXES,
  scheduleGroup: 'g',
};
const outdirs: string[] = [];

function build(context: Record<string, unknown> = {}): BatchCallsApp {
  const outdir = mkdtempSync(join(tmpdir(), 'batch-calls-cdk-'));
  outdirs.push(outdir);
  return buildApp({
    context: {
      'aws:cdk:bundling-stacks': [],
      'aws:cdk:disable-asset-staging': true,
      region: 'eu-west-1',
      account: '123456789012',
      ...context,
    },
    outdir,
    env: {},
    // test/infra/nag.test.ts runs the checks; here they would only slow every synth down.
    nagChecks: false,
  });
}

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function statementsOfRole(t: Template, roleId: string): Statement[] {
  return ofType(t, 'AWS::IAM::Policy')
    .filter(([, p]) =>
      asArray(p.Properties?.Roles as unknown[]).some(
        (r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId }),
      ),
    )
    .flatMap(([, p]) => asArray((p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement))
    .map((s) => ({ ...s, Action: asArray(s.Action), Resource: asArray(s.Resource) }));
}

const actionsOf = (statements: Statement[]) => new Set(statements.flatMap((s) => s.Action));

/** The export name under which the stateful stack exports an attribute of one of its resources. */
function importOf(stateful: Template, id: string, attribute: 'Arn' | 'StreamArn' | 'Ref'): unknown {
  for (const output of Object.values(stateful.toJSON().Outputs as Record<string, Props>)) {
    const value = JSON.stringify(output.Value);
    const wanted = attribute === 'Ref' ? { Ref: id } : { 'Fn::GetAtt': [id, attribute] };
    if (value === JSON.stringify(wanted)) {
      return { 'Fn::ImportValue': (output.Export as { Name: string }).Name };
    }
  }
  throw new Error(`${id}.${attribute} is not exported`);
}

let prod: BatchCallsApp;
let stateful: Template;
let stateless: Template;

beforeAll(() => {
  prod = build();
  stateful = Template.fromStack(prod.stateful);
  stateless = Template.fromStack(prod.stateless);
});

afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

const fnId = (name: FunctionName) => idOf(prod.stateless, prod.stateless.functions[name]);
const roleId = (name: FunctionName) => {
  const role = prod.stateless.functions[name].role;
  if (!role) throw new Error(`${name} has no role`);
  return idOf(prod.stateless, role);
};
const queueArn = (construct: IConstruct) => importOf(stateful, idOf(prod.stateful, construct), 'Arn');

describe('table', () => {
  it('has the key schema, the sparse KEYS_ONLY GSI1, the stream, PITR and TTL of TABLE', () => {
    const [[, table] = []] = ofType(stateful, 'AWS::DynamoDB::Table');
    expect(table?.Properties).toMatchObject({
      KeySchema: [
        { AttributeName: TABLE.partitionKey, KeyType: 'HASH' },
        { AttributeName: TABLE.sortKey, KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      TimeToLiveSpecification: { AttributeName: TABLE.ttlAttribute, Enabled: true },
      GlobalSecondaryIndexes: [
        {
          IndexName: TABLE.gsi1.name,
          KeySchema: [
            { AttributeName: TABLE.gsi1.partitionKey, KeyType: 'HASH' },
            { AttributeName: TABLE.gsi1.sortKey, KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'KEYS_ONLY' },
        },
      ],
      DeletionProtectionEnabled: true,
    });
    expect(table?.DeletionPolicy).toBe('Retain');
  });
});

describe('queues', () => {
  it.each(QUEUE_SOURCES.map((s) => [s.queue, s] as const))(
    'the %s queue redrives to its DLQ and hides messages ≥ 6 × its consumer timeout',
    (name, source) => {
      const { queue, deadLetterQueue } = prod.stateful.queues[name];
      const q = props(stateful, idOf(prod.stateful, queue));
      const consumerTimeout = props(stateless, fnId(source.function)).Timeout as number;
      expect(consumerTimeout).toBe(FUNCTIONS[source.function].timeoutSeconds);
      expect(q.VisibilityTimeout as number).toBeGreaterThanOrEqual(6 * consumerTimeout);
      expect(q.RedrivePolicy).toEqual({
        deadLetterTargetArn: { 'Fn::GetAtt': [idOf(prod.stateful, deadLetterQueue), 'Arn'] },
        maxReceiveCount: QUEUES[name].maxReceiveCount,
      });
      expect(QUEUES[name].maxReceiveCount).toBeGreaterThan(1);
    },
  );

  it("names every queue by the stage's convention, which the admin command resolves", () => {
    const names = ofType(stateful, 'AWS::SQS::Queue').map(([, q]) => q.Properties?.QueueName);
    const expected = [
      ...(['dial', 'webhook'] as const).flatMap((q) => [q, deadLetterQueueName(q)]),
      SCHEDULER_DLQ_NAME,
      STREAM_FAILURES_NAME,
    ].map((name) => stageQueueName('prod', name));
    expect(names.sort()).toEqual(expected.sort());
    expect(expected).toContain('batch-calls-prod-webhook-dlq');
  });

  it('every queue is encrypted, TLS-only and retained in prod', () => {
    const queues = ofType(stateful, 'AWS::SQS::Queue');
    expect(queues.length).toBeGreaterThan(0);
    const policies = ofType(stateful, 'AWS::SQS::QueuePolicy');
    for (const [id, queue] of queues) {
      expect(queue.Properties?.SqsManagedSseEnabled, id).toBe(true);
      expect(queue.DeletionPolicy, id).toBe('Retain');
      const denies = policies
        .filter(([, p]) =>
          asArray(p.Properties?.Queues as unknown[]).some(
            (q) => JSON.stringify(q) === JSON.stringify({ Ref: id }),
          ),
        )
        .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
        .filter(
          (s) =>
            s.Effect === 'Deny' &&
            JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
        );
      expect(denies, `${id} must refuse plain HTTP`).toHaveLength(1);
    }
  });
});

describe('event sources', () => {
  const mappings = () =>
    ofType(stateless, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties ?? {});
  const mappingOf = (name: FunctionName) => {
    const found = mappings().filter(
      (m) => JSON.stringify(m.FunctionName) === JSON.stringify({ Ref: fnId(name) }),
    );
    expect(found, `${name} has one event source`).toHaveLength(1);
    return found[0] ?? {};
  };

  it.each(QUEUE_SOURCES.map((s) => [s.function, s] as const))(
    '%s consumes its queue with batch size, maximum concurrency and partial batch failures',
    (name, source) => {
      expect(mappingOf(name)).toMatchObject({
        EventSourceArn: queueArn(prod.stateful.queues[source.queue].queue),
        BatchSize: source.batchSize,
        ScalingConfig: { MaximumConcurrency: prod.config.queueConcurrency[source.queue] },
        FunctionResponseTypes: ['ReportBatchItemFailures'],
      });
    },
  );

  it.each(STREAM_SOURCES.map((s) => [s.function, s] as const))(
    '%s reads the stream filtered, bisecting, with bounded retries and an on-failure queue',
    (name, source) => {
      const mapping = mappingOf(name);
      expect(mapping).toMatchObject({
        EventSourceArn: importOf(stateful, idOf(prod.stateful, prod.stateful.table), 'StreamArn'),
        StartingPosition: source.startingPosition,
        BatchSize: source.batchSize,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: source.retryAttempts,
        MaximumRecordAgeInSeconds: source.maxRecordAgeSeconds,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: queueArn(prod.stateful.streamFailureQueue) } },
      });
      // Bounded: -1 would retry a poisoned record until it expires, blocking its shard.
      expect(mapping.MaximumRetryAttempts as number).toBeGreaterThanOrEqual(0);
      expect(mapping.MaximumRetryAttempts as number).toBeLessThanOrEqual(10);
      const patterns = (mapping.FilterCriteria as { Filters: { Pattern: string }[] }).Filters.map((f) =>
        JSON.parse(f.Pattern),
      );
      expect(patterns).toEqual(source.filters);
    },
  );
});

describe('functions', () => {
  it('share one dependencies layer built from the lockfile, for Node.js 22 on ARM64', () => {
    // (The dashboard's deployment, a CDK custom resource, brings the AWS CLI's layer: not ours.)
    const layers = ofType(stateless, 'AWS::Lambda::LayerVersion').filter(([, r]) =>
      String(r.Properties?.Description ?? '').includes(LAYER_PACKAGE),
    );
    expect(layers).toHaveLength(1);
    const [id, layer] = layers[0] ?? [];
    expect(layer?.Properties).toMatchObject({
      CompatibleRuntimes: ['nodejs22.x'],
      CompatibleArchitectures: ['arm64'],
      Description: expect.stringContaining(LAYER_PACKAGE),
    });
    for (const name of FUNCTION_NAMES)
      expect(props(stateless, fnId(name)).Layers, name).toEqual([{ Ref: id }]);
    // No public layer looked up by parameter: everything a function loads is built here.
    expect(
      Object.keys((stateless.toJSON().Parameters ?? {}) as object).filter((p) => /ssm|layer/i.test(p)),
    ).toEqual([]);
  });

  it.each(FUNCTION_NAMES)('%s runs Node.js 22 on ARM64 with X-Ray, JSON logs and its environment', (name) => {
    const fn = props(stateless, fnId(name));
    expect(fn).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      TracingConfig: { Mode: 'Active' },
      LoggingConfig: { LogFormat: 'JSON' },
      MemorySize: FUNCTIONS[name].memoryMb,
      Timeout: FUNCTIONS[name].timeoutSeconds,
    });
    const env = (fn.Environment as { Variables: Props }).Variables;
    // Powertools Tracer on (from the dependencies layer, checked above).
    expect(env.POWERTOOLS_TRACE_ENABLED).toBe('true');
    expect(env[ENV.tableName]).toEqual(importOf(stateful, idOf(prod.stateful, prod.stateful.table), 'Ref'));
    expect(env[ENV.serviceName]).toBe(`batch-calls-${name}`);
    expect(env[ENV.publicBaseUrl]).toBeDefined();
    for (const queue of FUNCTIONS[name].access.sendTo ?? []) {
      expect(env[queue === 'dial' ? ENV.dialQueueUrl : ENV.webhookQueueUrl]).toBeDefined();
    }
    expect(env[ENV.transcriptsBucket] !== undefined).toBe(FUNCTIONS[name].access.transcripts !== undefined);
  });

  it.each(['apiCreate', 'apiBatches'] as const)(
    '%s knows the schedule group, the scheduler role, its DLQ and the start function',
    (name) => {
      const env = (props(stateless, fnId(name)).Environment as { Variables: Props }).Variables;
      expect(env).toMatchObject({
        [ENV.schedulerGroupName]: prod.stateless.scheduleGroup.scheduleGroupName,
        [ENV.schedulerRoleArn]: { 'Fn::GetAtt': [idOf(prod.stateless, prod.stateless.schedulerRole), 'Arn'] },
        [ENV.schedulerDlqArn]: queueArn(prod.stateful.schedulerDeadLetterQueue),
        [ENV.schedulerTargetArn]: { 'Fn::GetAtt': [fnId(SCHEDULER_TARGET), 'Arn'] },
      });
    },
  );

  it.each(FUNCTION_NAMES)(
    '%s gets the API key cache setting exactly when it serves API-key routes',
    (name) => {
      const env = (props(stateless, fnId(name)).Environment as { Variables: Props }).Variables;
      const servesApiKeyRoutes = ROUTES.some((route) => route.function === name && route.auth === 'apiKey');
      expect(env[ENV.authCacheTtlSeconds]).toBe(servesApiKeyRoutes ? '30' : undefined);
    },
  );
});

describe('IAM', () => {
  const tableWrites = [
    'dynamodb:PutItem',
    'dynamodb:UpdateItem',
    'dynamodb:DeleteItem',
    'dynamodb:BatchWriteItem',
  ];

  it('the events function can read the table and nothing else: no writes, queues, files, secrets or schedules', () => {
    const actions = actionsOf(statementsOfRole(stateless, roleId('events')));
    expect(actions.has('dynamodb:GetItem')).toBe(true);
    for (const action of actions) {
      expect(action, `events may not ${action}`).toMatch(
        /^(dynamodb:(GetItem|BatchGetItem|Query)|logs:|xray:)/,
      );
    }
    for (const write of tableWrites) expect(actions.has(write)).toBe(false);
  });

  it.each(FUNCTION_NAMES)(
    '%s has no DynamoDB action its wiring does not list, on no resource but the table (and Query its index)',
    (name) => {
      const listed = new Set((FUNCTIONS[name].access.table ?? []).map((a) => `dynamodb:${a}`));
      const statements = statementsOfRole(stateless, roleId(name)).filter((st) =>
        st.Action.some((a) => a.startsWith('dynamodb:')),
      );
      for (const st of statements) {
        const resources = st.Resource.map((r) => JSON.stringify(r));
        for (const action of st.Action.filter((a) => a.startsWith('dynamodb:'))) {
          if (STREAM_READS.has(action)) {
            // The stream event source's grant: never on the table's items.
            if (action !== 'dynamodb:ListStreams') for (const r of resources) expect(r).toMatch(/Stream/);
            continue;
          }
          expect(listed.has(action), `${name} may ${action}`).toBe(true);
        }
        for (const r of resources) {
          if (r.includes('/index/*')) expect(st.Action).toEqual(['dynamodb:Query']);
        }
      }
      expect(statements.some((st) => st.Action.includes('dynamodb:Scan'))).toBe(false);
    },
  );

  it('the sweeper may put transcripts (and only under transcripts/): it stores those of the calls it reconciles', () => {
    // Issue 11, item 4: without this grant and setting, a call settled through the provider's API
    // was recorded failed.
    const statements = statementsOfRole(stateless, roleId('sweeper'));
    const puts = statements.filter((st) => st.Action.includes('s3:PutObject'));
    expect(puts.length).toBeGreaterThan(0);
    for (const st of puts) for (const r of st.Resource) expect(JSON.stringify(r)).toMatch(/transcripts\/\*/);
    expect(actionsOf(statements).has('s3:GetObject')).toBe(false);
    const env = (props(stateless, fnId('sweeper')).Environment as { Variables: Props }).Variables;
    expect(env[ENV.transcriptsBucket]).toBeDefined();
  });

  it.each(FUNCTION_NAMES)('%s: local mode authorizes the same actions as its IAM policy', (name) => {
    // The event sources' side (receiving from a queue, reading the stream, sending stream failures)
    // is Lambda's job, done locally by the pollers; the rest must match local-iam.ts action for action.
    const services = /^(dynamodb|sqs|s3|secretsmanager|scheduler):/;
    const eventSourceActions = new Set([
      'sqs:ReceiveMessage',
      'sqs:DeleteMessage',
      'sqs:ChangeMessageVisibility',
      ...STREAM_READS,
    ]);
    const deployed = new Set(
      statementsOfRole(stateless, roleId(name))
        .flatMap((st) => st.Action)
        .filter((a) => services.test(a) && !eventSourceActions.has(a)),
    );
    const local = new Set(policyOf(name, LOCAL_RESOURCES).flatMap((st) => st.actions));
    expect([...local].sort()).toEqual([...deployed].sort());
  });

  it.each(FUNCTION_NAMES)('%s holds exactly the access FUNCTIONS gives it', (name) => {
    const { access } = FUNCTIONS[name];
    const statements = statementsOfRole(stateless, roleId(name));
    const actions = actionsOf(statements);
    const tableActions = [...actions].filter((a) => a.startsWith('dynamodb:') && !STREAM_READS.has(a));
    expect(tableActions.sort()).toEqual((access.table ?? []).map((a) => `dynamodb:${a}`).sort());

    const isStreamConsumer = STREAM_SOURCES.some((s) => s.function === name);
    const sendTargets = statements
      .filter((s) => s.Action.includes('sqs:SendMessage'))
      .flatMap((s) => s.Resource.map((r) => JSON.stringify(r)));
    const expectedSends = [
      ...(access.sendTo ?? []).map((q) => queueArn(prod.stateful.queues[q].queue)),
      ...(isStreamConsumer ? [queueArn(prod.stateful.streamFailureQueue)] : []),
    ].map((r) => JSON.stringify(r));
    expect(new Set(sendTargets)).toEqual(new Set(expectedSends));

    const s3Actions = [...actions].filter((a) => a.startsWith('s3:'));
    if (access.transcripts === undefined && !access.uploads && !access.exports) expect(s3Actions).toEqual([]);
    if (access.transcripts === 'write') {
      expect(actions.has('s3:PutObject')).toBe(true);
      expect(s3Actions.some((a) => a.startsWith('s3:Delete'))).toBe(false);
    }
    // Only a function given `uploads` reaches the uploads/ prefix: the signer may put (its pre-signed
    // POST carries that right), the reader may read; neither may delete.
    const s3Statements = statements.filter((st) => st.Action.some((a) => a.startsWith('s3:')));
    const uploadActions = new Set(
      s3Statements
        .filter((st) => st.Resource.some((r) => /uploads\//.test(JSON.stringify(r))))
        .flatMap((st) => st.Action),
    );
    expect(uploadActions.size > 0).toBe(access.uploads !== undefined);
    if (access.uploads === 'sign') {
      expect(uploadActions.has('s3:PutObject')).toBe(true);
      expect([...uploadActions].some((a) => a.startsWith('s3:GetObject'))).toBe(false);
    }
    if (access.uploads === 'read') {
      expect(uploadActions.has('s3:GetObject*') || uploadActions.has('s3:GetObject')).toBe(true);
      expect(uploadActions.has('s3:PutObject')).toBe(false);
    }
    expect([...uploadActions].some((a) => a.startsWith('s3:Delete'))).toBe(false);
    // Only a function given `exports` reaches the exports/ prefix (results exports), never deleting.
    const touchesExports = s3Statements.some((st) =>
      st.Resource.some((r) => /exports\//.test(JSON.stringify(r))),
    );
    expect(touchesExports).toBe(access.exports === true);

    const secretStatements = statements.filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')));
    const secretActions = new Set(secretStatements.flatMap((s) => s.Action));
    if (!access.secrets) expect(secretActions.size).toBe(0);
    if (access.secrets === 'read') expect([...secretActions]).toEqual(['secretsmanager:GetSecretValue']);
    if (access.secrets === 'readWrite') expect(secretActions.has('secretsmanager:CreateSecret')).toBe(true);
    for (const s of secretStatements) {
      for (const r of s.Resource) expect(JSON.stringify(r)).toMatch(/:secret:batch-calls\/prod\/\*"\]\]\}$/);
    }

    expect(actions.has('scheduler:CreateSchedule')).toBe(access.scheduler === true);
    expect(actions.has('iam:PassRole')).toBe(access.scheduler === true);
    expect(actions.has('lambda:InvokeFunction')).toBe(false);
  });

  it.each(FUNCTION_NAMES.filter((name) => FUNCTIONS[name].access.scheduler))(
    '%s may pass only the scheduler role, and manage schedules only in its group',
    (name) => {
      const statements = statementsOfRole(stateless, roleId(name));
      const passRole = statements.filter((s) => s.Action.includes('iam:PassRole'));
      expect(passRole.flatMap((s) => s.Resource)).toEqual([
        { 'Fn::GetAtt': [idOf(prod.stateless, prod.stateless.schedulerRole), 'Arn'] },
      ]);
      const schedules = statements.filter((s) => s.Action.includes('scheduler:CreateSchedule'));
      expect(new Set(schedules.flatMap((s) => s.Action))).toEqual(
        new Set(['scheduler:CreateSchedule', 'scheduler:DeleteSchedule']),
      );
      expect(JSON.stringify(schedules.flatMap((s) => s.Resource))).toContain(
        `:schedule/${prod.stateless.scheduleGroup.scheduleGroupName}/*`,
      );
    },
  );

  it('the scheduler role is assumable by EventBridge Scheduler of this account only and may only start batches', () => {
    const role = props(stateless, idOf(prod.stateless, prod.stateless.schedulerRole));
    expect(role.AssumeRolePolicyDocument).toMatchObject({
      Statement: [
        {
          Action: 'sts:AssumeRole',
          Effect: 'Allow',
          Principal: { Service: 'scheduler.amazonaws.com' },
          Condition: {
            StringEquals: { 'aws:SourceAccount': '123456789012' },
            ArnEquals: {
              'aws:SourceArn': { 'Fn::GetAtt': [idOf(prod.stateless, prod.stateless.scheduleGroup), 'Arn'] },
            },
          },
        },
      ],
    });
    expect(role.ManagedPolicyArns).toBeUndefined();
    const statements = statementsOfRole(stateless, idOf(prod.stateless, prod.stateless.schedulerRole));
    expect(statements.map(({ Effect, Action, Resource }) => ({ Effect, Action, Resource }))).toEqual([
      {
        Effect: 'Allow',
        Action: ['lambda:InvokeFunction'],
        Resource: [{ 'Fn::GetAtt': [fnId(SCHEDULER_TARGET), 'Arn'] }],
      },
      {
        Effect: 'Allow',
        Action: ['sqs:SendMessage'],
        Resource: [queueArn(prod.stateful.schedulerDeadLetterQueue)],
      },
    ]);
  });

  it('only the scheduler role can invoke the start function: it has no resource policy for anyone else', () => {
    const permissions = ofType(stateless, 'AWS::Lambda::Permission').filter(
      ([, p]) =>
        JSON.stringify(p.Properties?.FunctionName) ===
        JSON.stringify({ 'Fn::GetAtt': [fnId(SCHEDULER_TARGET), 'Arn'] }),
    );
    expect(permissions).toEqual([]);
    const invokers = ofType(stateless, 'AWS::IAM::Policy').filter(([, p]) =>
      JSON.stringify(p.Properties?.PolicyDocument).includes('lambda:InvokeFunction'),
    );
    expect(invokers.map(([, p]) => p.Properties?.Roles)).toEqual([
      [{ Ref: idOf(prod.stateless, prod.stateless.schedulerRole) }],
    ]);
  });

  it('no role holds a wildcard action or resource except the listed ones AWS or CDK requires', () => {
    // Resource "*" only for actions that have no resource-level permissions.
    const starResourceActions = new Set([
      'xray:PutTraceSegments',
      'xray:PutTelemetryRecords',
      'dynamodb:ListStreams',
      // BucketDeployment's CloudFront invalidation (CDK grants these on *).
      'cloudfront:CreateInvalidation',
      'cloudfront:GetInvalidation',
    ]);
    // CDK's S3 grants (bucket read, put, and the dashboard deployment's sync).
    const wildcardActions = new Set([
      's3:GetObject*',
      's3:GetBucket*',
      's3:List*',
      's3:Abort*',
      's3:DeleteObject*',
    ]);
    for (const template of [stateful, stateless]) {
      for (const [id, policy] of ofType(template, 'AWS::IAM::Policy')) {
        const statements = asArray(
          (policy.Properties?.PolicyDocument as { Statement: Statement[] }).Statement,
        );
        for (const s of statements) {
          for (const action of asArray(s.Action)) {
            if (action.includes('*')) expect(wildcardActions, `${id}: ${action}`).toContain(action);
          }
          if (asArray(s.Resource).includes('*')) {
            for (const action of asArray(s.Action))
              expect(starResourceActions, `${id}: ${action} on *`).toContain(action);
          }
        }
      }
    }
  });

  it('no function role carries an AWS managed policy', () => {
    for (const name of FUNCTION_NAMES) {
      expect(props(stateless, roleId(name)).ManagedPolicyArns, name).toBeUndefined();
    }
  });
});

describe('encryption and access to data', () => {
  it('every bucket is encrypted, blocks public access and refuses plain HTTP', () => {
    for (const template of [stateful, stateless]) {
      const policies = ofType(template, 'AWS::S3::BucketPolicy');
      for (const [id, bucket] of ofType(template, 'AWS::S3::Bucket')) {
        expect(bucket.Properties?.BucketEncryption, id).toEqual({
          ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }],
        });
        expect(bucket.Properties?.PublicAccessBlockConfiguration, id).toEqual({
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        });
        const tlsOnly = policies
          .filter(([, p]) => JSON.stringify(p.Properties?.Bucket) === JSON.stringify({ Ref: id }))
          .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement)
          .some(
            (s) =>
              s.Effect === 'Deny' &&
              JSON.stringify(s.Condition) === JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } }),
          );
        expect(tlsOnly, `${id} must refuse plain HTTP`).toBe(true);
      }
    }
  });

  it('the files bucket logs access, expires uploads after a day and accepts pre-signed uploads', () => {
    const bucket = props(stateful, idOf(prod.stateful, prod.stateful.filesBucket));
    expect(bucket.LoggingConfiguration).toMatchObject({
      DestinationBucketName: { Ref: idOf(prod.stateful, prod.stateful.logBucket) },
    });
    expect((bucket.LifecycleConfiguration as { Rules: Props[] }).Rules).toContainEqual(
      expect.objectContaining({
        Prefix: FILES_PREFIX.uploads,
        ExpirationInDays: UPLOAD_EXPIRY_DAYS,
        Status: 'Enabled',
      }),
    );
    expect((bucket.LifecycleConfiguration as { Rules: Props[] }).Rules).toContainEqual(
      expect.objectContaining({
        Prefix: FILES_PREFIX.exports,
        ExpirationInDays: EXPORT_EXPIRY_DAYS,
        Status: 'Enabled',
      }),
    );
    expect(bucket.CorsConfiguration).toMatchObject({
      CorsRules: [{ AllowedMethods: ['PUT', 'POST'] }, { AllowedMethods: ['GET'] }],
    });
    expect(resources(stateful)[idOf(prod.stateful, prod.stateful.filesBucket)]?.DeletionPolicy).toBe(
      'Retain',
    );
  });

  it('the alarm topic is KMS-encrypted with a rotating key CloudWatch may use', () => {
    const topic = props(stateful, idOf(prod.stateful, prod.stateful.alarmTopic));
    expect(topic.KmsMasterKeyId).toMatchObject({ 'Fn::GetAtt': [expect.any(String), 'Arn'] });
    const [[, key] = []] = ofType(stateful, 'AWS::KMS::Key');
    expect(key?.Properties?.EnableKeyRotation).toBe(true);
    const statements = (key?.Properties?.KeyPolicy as { Statement: Statement[] }).Statement;
    expect(statements).toContainEqual(
      expect.objectContaining({ Principal: { Service: 'cloudwatch.amazonaws.com' }, Effect: 'Allow' }),
    );
  });
});

describe('alarms', () => {
  const alarmActions = () => [{ Ref: idOf(prod.stateful, prod.stateful.alarmTopic) }];

  it('every dead-letter queue alarms as soon as it holds a message', () => {
    const dlqs = [
      prod.stateful.queues.dial.deadLetterQueue,
      prod.stateful.queues.webhook.deadLetterQueue,
      prod.stateful.schedulerDeadLetterQueue,
      prod.stateful.streamFailureQueue,
    ];
    const alarms = ofType(stateful, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
    for (const dlq of dlqs) {
      const id = idOf(prod.stateful, dlq);
      const alarm = alarms.find(
        (a) =>
          a.MetricName === 'ApproximateNumberOfMessagesVisible' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }]),
      );
      expect(alarm, `alarm on ${id}`).toMatchObject({
        Namespace: 'AWS/SQS',
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: alarmActions(),
      });
    }
  });

  it.each(FUNCTION_NAMES)('the %s function alarms on errors', (name) => {
    const alarms = ofType(stateless, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
    const alarm = alarms.find(
      (a) =>
        a.MetricName === 'Errors' &&
        JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId(name) } }]),
    );
    expect(alarm).toMatchObject({
      Namespace: 'AWS/Lambda',
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      AlarmActions: [importOf(stateful, idOf(prod.stateful, prod.stateful.alarmTopic), 'Ref')],
    });
  });
});

describe('operator pack (issue 16)', () => {
  const alarmsOf = (template: Template) =>
    ofType(template, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});

  it('each work queue alarms when its oldest message waits over 30 minutes', () => {
    for (const name of ['dial', 'webhook'] as const) {
      const id = idOf(prod.stateful, prod.stateful.queues[name].queue);
      const alarm = alarmsOf(stateful).find(
        (a) =>
          a.MetricName === 'ApproximateAgeOfOldestMessage' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'QueueName', Value: { 'Fn::GetAtt': [id, 'QueueName'] } }]),
      );
      expect(alarm, name).toMatchObject({ Threshold: QUEUE_AGE_ALARM_SECONDS, Statistic: 'Maximum' });
    }
  });

  it('the table alarms on throttled reads or writes, of the table and of its index', () => {
    const alarm = alarmsOf(stateful).find((a) =>
      JSON.stringify(a.Metrics ?? '').includes('WriteThrottleEvents'),
    );
    const metrics = JSON.stringify(alarm?.Metrics);
    expect(metrics).toContain('ReadThrottleEvents');
    expect(metrics).toContain('GlobalSecondaryIndexName');
    expect(alarm).toMatchObject({ Threshold: 0, ComparisonOperator: 'GreaterThanThreshold' });
  });

  it.each(FUNCTION_NAMES)('the %s function alarms when Lambda throttles it', (name) => {
    const alarm = alarmsOf(stateless).find(
      (a) =>
        a.MetricName === 'Throttles' &&
        JSON.stringify(a.Dimensions) ===
          JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId(name) } }]),
    );
    expect(alarm).toMatchObject({ Namespace: 'AWS/Lambda', Threshold: 0 });
  });

  it('the API alarms on 5xx answers and the sweeper on runs near its timeout', () => {
    expect(alarmsOf(stateless).find((a) => a.MetricName === '5xx')).toMatchObject({
      Namespace: 'AWS/ApiGateway',
      Statistic: 'Sum',
    });
    expect(
      alarmsOf(stateless).find(
        (a) =>
          a.MetricName === 'Duration' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId('sweeper') } }]),
      ),
    ).toMatchObject({ Statistic: 'Maximum', Threshold: 0.8 * FUNCTIONS.sweeper.timeoutSeconds * 1000 });
  });

  it('a CloudWatch dashboard shows the API, queues, functions, stream and table', () => {
    const [[, dashboard] = []] = ofType(stateless, 'AWS::CloudWatch::Dashboard');
    expect(dashboard?.Properties?.DashboardName).toBe('batch-calls-prod');
    const body = JSON.stringify(dashboard?.Properties?.DashboardBody);
    for (const metric of [
      '5xx',
      'ApproximateAgeOfOldestMessage',
      'Throttles',
      'IteratorAge',
      'WriteThrottleEvents',
    ])
      expect(body, metric).toContain(metric);
  });

  it('provider callbacks have their own throttle, and queue concurrency comes from context', () => {
    const [[, stage] = []] = ofType(stateless, 'AWS::ApiGatewayV2::Stage');
    expect(stage?.Properties?.RouteSettings).toEqual({
      'POST /v1/telephony/{provider}/events': { ThrottlingRateLimit: 2_000, ThrottlingBurstLimit: 4_000 },
    });
    const custom = build({
      dialConcurrency: '100',
      webhookConcurrency: '200',
      callbackRateLimit: '500',
      callbackBurstLimit: '800',
    });
    expect(custom.config.queueConcurrency).toEqual({ dial: 100, webhook: 200 });
    const [[, customStage] = []] = ofType(Template.fromStack(custom.stateless), 'AWS::ApiGatewayV2::Stage');
    expect(customStage?.Properties?.RouteSettings).toEqual({
      'POST /v1/telephony/{provider}/events': { ThrottlingRateLimit: 500, ThrottlingBurstLimit: 800 },
    });
    expect(() => parseDeployConfig({ region: 'eu-west-1', dialConcurrency: 1 }, {})).toThrow(
      /dialConcurrency/,
    );
  });
});

describe('stream iterator age', () => {
  it.each(STREAM_SOURCES.map((s) => s.function))(
    'the %s function alarms when its stream records wait over a minute',
    (name) => {
      const alarms = ofType(stateless, 'AWS::CloudWatch::Alarm').map(([, a]) => a.Properties ?? {});
      const alarm = alarms.find(
        (a) =>
          a.MetricName === 'IteratorAge' &&
          JSON.stringify(a.Dimensions) ===
            JSON.stringify([{ Name: 'FunctionName', Value: { Ref: fnId(name) } }]),
      );
      expect(alarm).toMatchObject({
        Namespace: 'AWS/Lambda',
        Statistic: 'Maximum',
        Period: 60,
        Threshold: STREAM_ITERATOR_AGE_ALARM_MS,
        EvaluationPeriods: 3,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
        AlarmActions: [importOf(stateful, idOf(prod.stateful, prod.stateful.alarmTopic), 'Ref')],
      });
    },
  );
});

describe('HTTP API', () => {
  it('has no authorizer: every route goes straight to the function the route table names', () => {
    expect(ofType(stateless, 'AWS::ApiGatewayV2::Authorizer')).toEqual([]);
    const routes = ofType(stateless, 'AWS::ApiGatewayV2::Route');
    expect(routes.map(([, r]) => r.Properties?.RouteKey).sort()).toEqual(
      ROUTES.filter((r) => r.via === 'httpApi')
        .map(wiringRouteKey)
        .sort(),
    );
    const integrations = new Map(ofType(stateless, 'AWS::ApiGatewayV2::Integration'));
    for (const [, route] of routes) {
      expect(route.Properties?.AuthorizationType ?? 'NONE').toBe('NONE');
      expect(route.Properties?.AuthorizerId).toBeUndefined();
      const spec = ROUTES.find((r) => wiringRouteKey(r) === route.Properties?.RouteKey);
      // `integrations/<IntegrationId>`: the integration of the function the wiring names.
      const target = JSON.stringify(route.Properties?.Target);
      const integrationId = [...integrations.keys()].find((id) => target.includes(id));
      const uri = JSON.stringify(integrations.get(integrationId ?? '')?.Properties?.IntegrationUri);
      expect(uri, String(route.Properties?.RouteKey)).toContain(fnId(spec?.function ?? 'apiCreate'));
    }
  });

  it('the stage throttles and writes access logs', () => {
    const [[, stage] = []] = ofType(stateless, 'AWS::ApiGatewayV2::Stage');
    expect(stage?.Properties).toMatchObject({
      StageName: '$default',
      AutoDeploy: true,
      DefaultRouteSettings: { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 },
      AccessLogSettings: { DestinationArn: { 'Fn::GetAtt': [expect.any(String), 'Arn'] } },
    });
  });

  it('the outputs name the API URL, dashboard URL, table name and region', () => {
    const outputs = stateless.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(
      expect.arrayContaining(['ApiUrl', 'DashboardUrl', 'TableName', 'Region']),
    );
    expect(outputs.Region?.Value).toBe('eu-west-1');
  });
});

describe('dashboard', () => {
  interface HeadersConfig {
    ContentSecurityPolicy: { ContentSecurityPolicy: unknown; Override: boolean };
    ContentTypeOptions: { Override: boolean };
    FrameOptions: { FrameOption: string; Override: boolean };
    ReferrerPolicy: { ReferrerPolicy: string; Override: boolean };
    StrictTransportSecurity: {
      AccessControlMaxAgeSec: number;
      IncludeSubdomains: boolean;
      Override: boolean;
    };
  }
  function dashboardHeaders(t: Template): { id: string; headers: HeadersConfig; csp: string } {
    const policies = ofType(t, 'AWS::CloudFront::ResponseHeadersPolicy');
    expect(policies).toHaveLength(1);
    const [[id, policy] = []] = policies;
    const config = (policy?.Properties?.ResponseHeadersPolicyConfig ?? {}) as Props;
    const headers = config.SecurityHeadersConfig as HeadersConfig;
    // Intrinsics flattened: the API and bucket names are tokens in the template.
    return { id: id ?? '', headers, csp: nagText(headers.ContentSecurityPolicy.ContentSecurityPolicy) };
  }
  const directive = (csp: string, name: string) =>
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .find(([n]) => n === name)
      ?.slice(1);

  it('CloudFront sends the CSP and headers the local gateway sends, on every dashboard file', () => {
    const { id, headers, csp } = dashboardHeaders(stateless);
    const local = dashboardSecurityHeaders();
    // One definition: the same policy as locally, with AWS's API and upload origins in connect-src.
    const connect = directive(csp, 'connect-src') ?? [];
    expect(csp).toBe(dashboardContentSecurityPolicy(connect.slice(1)));
    expect(directive(csp, 'script-src')).toEqual(["'self'"]);
    expect(directive(csp, 'style-src')).toEqual(["'self'"]);
    expect(directive(csp, 'default-src')).toEqual(["'self'"]);
    expect(directive(csp, 'frame-ancestors')).toEqual(["'none'"]);
    expect(directive(csp, 'base-uri')).toEqual(["'none'"]);
    expect(directive(csp, 'object-src')).toEqual(["'none'"]);
    expect(directive(csp, 'form-action')).toEqual(["'none'"]);
    expect(csp).not.toMatch(/unsafe-/);
    // The API (no custom domain: any execute-api host of the region, see the stack), the files
    // bucket's regional endpoint, where the pre-signed CSV POST goes, and the live progress stream's
    // function URL (any of the region, for the same reason as the API).
    const bucketName = nagText(importOf(stateful, idOf(prod.stateful, prod.stateful.filesBucket), 'Ref'));
    expect(connect).toEqual([
      "'self'",
      'https://*.execute-api.eu-west-1.<AWS::URLSuffix>',
      `https://${bucketName}.s3.eu-west-1.<AWS::URLSuffix>`,
      'https://*.lambda-url.eu-west-1.on.aws',
    ]);
    expect(headers.ContentSecurityPolicy.Override).toBe(true);
    expect(headers.ContentTypeOptions.Override).toBe(true);
    expect(local['x-content-type-options']).toBe('nosniff');
    expect(headers.FrameOptions).toEqual({ FrameOption: local['x-frame-options'], Override: true });
    expect(headers.ReferrerPolicy).toEqual({ ReferrerPolicy: local['referrer-policy'], Override: true });
    expect(headers.StrictTransportSecurity).toMatchObject({
      AccessControlMaxAgeSec: 31_536_000,
      Override: true,
    });

    const [[, distribution] = []] = ofType(stateless, 'AWS::CloudFront::Distribution');
    const config = distribution?.Properties?.DistributionConfig as Props;
    expect((config.DefaultCacheBehavior as Props).ResponseHeadersPolicyId).toEqual({ Ref: id });
    expect(config.CacheBehaviors).toBeUndefined();
  });

  it("names the API's custom domain exactly when there is one", () => {
    const custom = build({
      apiDomainName: 'api.example.com',
      apiCertificateArn:
        'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
    });
    const { csp } = dashboardHeaders(Template.fromStack(custom.stateless));
    expect(directive(csp, 'connect-src')?.slice(0, 2)).toEqual(["'self'", 'https://api.example.com']);
    expect(csp).not.toContain('execute-api');
  });
});

describe('stages and configuration', () => {
  it("a stage's functions name and may touch only its own secrets: dev cannot read or delete prod's", () => {
    const secretGrants = (app: BatchCallsApp, name: FunctionName) =>
      statementsOfRole(Template.fromStack(app.stateless), roleId(name))
        .filter((s) => s.Action.some((a) => a.startsWith('secretsmanager:')))
        .flatMap((s) => s.Resource.map((r) => JSON.stringify(r)));
    const dev = build({ stage: 'dev' });
    for (const name of FUNCTION_NAMES.filter((n) => FUNCTIONS[n].access.secrets)) {
      const devResources = secretGrants(dev, name);
      const prodResources = secretGrants(prod, name);
      expect(devResources.length, name).toBeGreaterThan(0);
      for (const r of devResources) expect(r).toMatch(/:secret:batch-calls\/dev\/\*"/);
      for (const r of prodResources) expect(r).toMatch(/:secret:batch-calls\/prod\/\*"/);
      // Neither pattern covers the other stage's names (IAM's `*` does not reach across the prefix).
      for (const r of devResources) expect(r).not.toMatch(/prod/);
      const env = (props(Template.fromStack(dev.stateless), fnId(name)).Environment as { Variables: Props })
        .Variables;
      expect(env[ENV.secretsPrefix]).toBe('batch-calls/dev/');
    }
  });

  it('keeps finished batches retentionDays (default 90): functions that finish batches know it, S3 expires transcripts', () => {
    const custom = build({ retentionDays: '30' });
    for (const [app, days] of [
      [prod, 90],
      [custom, 30],
    ] as const) {
      const rules = ofType(Template.fromStack(app.stateful), 'AWS::S3::Bucket')
        .flatMap(([, b]) => asArray((b.Properties?.LifecycleConfiguration as { Rules?: Props[] })?.Rules))
        .filter((r) => r.Prefix === FILES_PREFIX.transcripts);
      expect(rules).toEqual([expect.objectContaining({ ExpirationInDays: days, Status: 'Enabled' })]);
      for (const name of FUNCTION_NAMES) {
        const env = (props(Template.fromStack(app.stateless), fnId(name)).Environment as { Variables: Props })
          .Variables;
        const finishes = FUNCTIONS[name].access.table?.includes('UpdateItem') ?? false;
        expect(env[ENV.retentionDays], name).toBe(finishes ? String(days) : undefined);
      }
    }
    expect(() => parseDeployConfig({ region: 'eu-west-1', retentionDays: 0 }, {})).toThrow(/retentionDays/);
  });

  it('leaves the Powertools Tracer out with -c tracer=false: tracing off, X-Ray still active', () => {
    const lean = build({ tracer: 'false' });
    const t = Template.fromStack(lean.stateless);
    for (const name of FUNCTION_NAMES) {
      const fn = props(t, fnId(name));
      // The layer stays (it holds the SDK); the functions never import its Tracer.
      expect(fn.Layers, name).toHaveLength(1);
      expect(fn.TracingConfig).toEqual({ Mode: 'Active' });
      expect((fn.Environment as { Variables: Props }).Variables.POWERTOOLS_TRACE_ENABLED).toBe('false');
    }
    expect(() => parseDeployConfig({ region: 'eu-west-1', tracer: 'maybe' }, {})).toThrow(/tracer/);
  });

  it('a dev stage deletes its data with the stack', () => {
    const dev = build({ stage: 'dev' });
    const t = Template.fromStack(dev.stateful);
    for (const type of ['AWS::DynamoDB::Table', 'AWS::S3::Bucket', 'AWS::SQS::Queue']) {
      for (const [id, r] of ofType(t, type)) expect(r.DeletionPolicy, id).toBe('Delete');
    }
    expect(dev.stateful.stackName).toBe('batch-calls-dev-stateful');
  });

  it('refuses bad context with the field named', () => {
    const bad = (context: Record<string, unknown>) => () =>
      parseDeployConfig({ region: 'eu-west-1', ...context }, {});
    expect(bad({ stage: 'Prod!' })).toThrow(DeployConfigError);
    expect(bad({ stage: 'Prod!' })).toThrow(/stage/);
    expect(bad({ apiDomainName: 'api.example.com' })).toThrow(
      /apiCertificateArn: required with apiDomainName/,
    );
    expect(
      bad({
        dashboardDomainName: 'calls.example.com',
        dashboardCertificateArn:
          'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
      }),
    ).toThrow(/dashboardCertificateArn: CloudFront needs a certificate in us-east-1/);
    expect(bad({ logRetentionDays: 2 })).toThrow(/logRetentionDays/);
    expect(bad({ apiRateLimit: 'fast' })).toThrow(/apiRateLimit/);
    expect(bad({ alarmEmail: 'not-an-email' })).toThrow(/alarmEmail/);
    expect(() => parseDeployConfig({}, {})).toThrow(/region is required/);
  });

  it('takes numbers from -c strings and the region from the CLI default', () => {
    const config = parseDeployConfig(
      { apiRateLimit: '20', apiBurstLimit: '40' },
      { CDK_DEFAULT_REGION: 'us-west-2' },
    );
    expect(config).toMatchObject({
      stage: 'prod',
      region: 'us-west-2',
      disposable: false,
      limits: { apiRateLimit: 20, apiBurstLimit: 40 },
      apiDomain: null,
    });
  });

  it('names the missing function entry instead of synthesizing without it', () => {
    const empty = mkdtempSync(join(tmpdir(), 'batch-calls-empty-'));
    outdirs.push(empty);
    expect(() =>
      buildApp({
        context: { 'aws:cdk:bundling-stacks': [], region: 'eu-west-1' },
        projectRoot: empty,
        env: {},
      }),
    ).toThrow(`Function "apiCreate": its entry ${FUNCTIONS.apiCreate.entry} does not exist`);
  });
});
