import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  SendMessageBatchCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDynamoDbClient } from '#shared/adapters/dynamodb/client.ts';
import { ensureTable } from '#shared/adapters/dynamodb/table.ts';
import { LOCAL_CREDENTIALS, LOCAL_SDK_REGION } from '#infra/local/functions/local-env.ts';
import { deadLetterQueueName, stageQueueName } from '#infra/queue-names.ts';
import { stageTablePrefix } from '#infra/local/cli/admin-resources.ts';
import { runTsx } from '../helpers/cli.ts';
import { client, type TestClient } from '../helpers/http-client.ts';
import { startLocalService } from '../helpers/local-service.ts';
import { pollUntil, sleep } from '../helpers/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../helpers/webhook-receiver.ts';

/**
 * The operator's commands (`npm run admin -- redrive | force-finish`) run as the CLI against a
 * running local service: its DATA_DIR's runtime.json names the service's DynamoDB Local and SQS
 * emulator, as `npm start`'s does. The deployed form (`--stage --region`) is run against the same
 * emulators through the SDK's endpoint variables, with a table and queues named as a deployed stage
 * names them, so the name resolution is exercised for real, offline.
 */

let service: Awaited<ReturnType<typeof startLocalService>>;
let c: TestClient;
let receiver: WebhookReceiver | undefined;
let dataDir: string;
const received: Array<{ id: string; type: string; body: any }> = [];
const secrets: string[] = [];

const admin = (args: string[], env: Record<string, string> = {}) =>
  runTsx('infra/local/cli/admin.ts', args, { DATA_DIR: dataDir, ...env });

async function queueDepth(sqs: SQSClient, url: string): Promise<number> {
  const out = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: url,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(out.Attributes?.ApproximateNumberOfMessages ?? 0) +
    Number(out.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}

/** Webhook messages for deliveries that do not exist: the consumer acknowledges them as done. */
async function deadLetters(sqs: SQSClient, url: string, count: number): Promise<void> {
  await sqs.send(
    new SendMessageBatchCommand({
      QueueUrl: url,
      Entries: Array.from({ length: count }, (_, i) => ({
        Id: String(i),
        MessageBody: JSON.stringify({
          batchId: `batch_01J00000000000000000000${i}`,
          webhookId: `call.failed:rcp_${i}`,
          workspaceId: service.workspaceId,
          agentId: 'agent_none',
          recipientIndex: i,
        }),
      })),
    }),
  );
}

beforeAll(async () => {
  receiver = await startWebhookReceiver(secrets, ({ id, body }) => {
    received.push({ id, type: body.type, body });
  });
  // Calls that last ten minutes: a batch stays "stuck" with a live call for the whole test.
  service = await startLocalService({ simCallMs: 600_000 });
  c = client(service.baseUrl, service.apiKey);
  dataDir = await mkdtemp(join(tmpdir(), 'batch-calls-admin-ops-'));
  // What `npm start` writes: this (live) process holds DATA_DIR and serves these emulators.
  await writeFile(
    join(dataDir, 'runtime.json'),
    JSON.stringify({
      pid: process.pid,
      kind: 'start',
      dynamodbEndpoint: service.dynamodbEndpoint,
      dynamodbPid: null,
      apiUrl: service.baseUrl,
      sqsEndpoint: service.aws.sqs.endpoint,
      tableName: service.tableName,
      startedAt: new Date().toISOString(),
    }),
  );
}, 120_000);

afterAll(async () => {
  await service?.stop();
  await receiver?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

describe('npm run admin -- force-finish', () => {
  it('ends a batch stuck on a live call: the call fails, the rest is skipped, events go once', async () => {
    const phone = await c.post('/v1/phone-numbers', { phone_number: '+14155550100', provider: 'simulated' });
    expect(phone.status, phone.text).toBe(201);
    const agent = await c.post('/v1/agents', {
      name: 'Reminders',
      prompt: 'Remind {{first_name}} of the appointment.',
      first_message: 'Hi {{first_name}}!',
      phone_number_id: phone.body.id,
      webhook_url: receiver?.url,
      webhook_events: ['call.failed', 'batch.cancelled', 'batch.completed'],
    });
    expect(agent.status, agent.text).toBe(201);
    secrets.push(agent.body.webhook_secret);
    const agentId = agent.body.id as string;
    const created = await c.post('/v1/agents/batch-calls', {
      name: 'Stuck',
      agent_id: agentId,
      max_concurrent_calls: 1,
      recipients: [
        { phone: '+14155551201', first_name: 'Ann' },
        { phone: '+14155551202', first_name: 'Ben' },
        { phone: '+14155551203', first_name: 'Cat' },
      ],
    });
    expect(created.status, created.text).toBe(202);
    const batchId = created.body.id as string;
    await pollUntil(
      async () => (await c.get(`/v1/agents/batch-calls/${batchId}`)).body.batch,
      (batch) => batch.counts.dialing === 1,
      { timeoutMs: 30_000, intervalMs: 200 },
    );

    const finished = await admin(['force-finish', service.workspaceId, batchId]);
    expect(finished.code, finished.output).toBe(0);
    expect(finished.output).toContain(`Batch ${batchId}: running → cancelled.`);
    expect(finished.output).toMatch(
      /Calls failed \("force-finished by an operator"\): 1; waiting recipients skipped: 2\./,
    );
    expect(finished.output).not.toMatch(/\+1415/);

    const detail = (await c.get(`/v1/agents/batch-calls/${batchId}`)).body;
    expect(detail.batch.status).toBe('cancelled');
    expect(detail.batch.counts).toEqual({ pending: 0, dialing: 0, completed: 0, failed: 1, skipped: 2 });
    const failed = detail.recipients.filter((r: any) => r.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ outcome: 'failed', error: 'force-finished by an operator' });
    for (const r of detail.recipients.filter((r: any) => r.status === 'skipped')) {
      expect(r.skip_reason).toBe('batch_stopped');
    }

    // Each event once, though the command and the table's stream both react to the same changes.
    await pollUntil(
      async () => received.filter((d) => d.body.data?.batch_id === batchId || d.body.data?.id === batchId),
      (mine) => mine.some((d) => d.type === 'batch.cancelled') && mine.some((d) => d.type === 'call.failed'),
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await sleep(2_000);
    const mine = received.filter((d) => d.body.data?.batch_id === batchId || d.body.data?.id === batchId);
    expect(mine.map((d) => d.type).sort()).toEqual(['batch.cancelled', 'call.failed']);

    const again = await admin(['force-finish', service.workspaceId, batchId]);
    expect(again.code, again.output).toBe(0);
    expect(again.output).toContain('already cancelled: nothing to do');

    const missing = await admin(['force-finish', service.workspaceId, 'batch_nope']);
    expect(missing.code).toBe(1);
    expect(missing.output).toContain('does not exist');
  }, 90_000);
});

describe('npm run admin -- redrive', () => {
  it('moves every message of a dead-letter queue back to its queue, where it is consumed', async () => {
    await deadLetters(service.sqs, service.queues.webhookDeadLetter, 3);
    const result = await admin(['redrive', 'webhook']);
    expect(result.code, result.output).toBe(0);
    expect(result.output).toContain('Dead-letter queue webhook-dlq: 3 message(s) found.');
    expect(result.output).toMatch(/Moved 3 message\(s\) back to webhook \(an SQS message move task\)\./);
    expect(await queueDepth(service.sqs, service.queues.webhookDeadLetter)).toBe(0);
    // The webhook function took them from the queue (deliveries that do not exist: done at once).
    await pollUntil(
      () => queueDepth(service.sqs, service.queues.webhook),
      (depth) => depth === 0,
      { timeoutMs: 20_000, intervalMs: 200 },
    );

    const empty = await admin(['redrive', 'dial-dlq']);
    expect(empty.code, empty.output).toBe(0);
    expect(empty.output).toContain('0 message(s) found');
  }, 60_000);

  it('finds a deployed stage by its names (--stage --region), here on the emulators', async () => {
    const stage = 'ops-test';
    // Named as CloudFormation names the stage's resources (infra/queue-names.ts, the stateful stack).
    const dynamo = createDynamoDbClient({
      endpoint: service.dynamodbEndpoint,
      region: LOCAL_SDK_REGION,
      credentials: LOCAL_CREDENTIALS,
    });
    await ensureTable(dynamo, `${stageTablePrefix(stage)}A1B2C3D4-1Q2W3E4R5T6Y`);
    dynamo.destroy();
    const create = async (name: string, attributes: Record<string, string> = {}) =>
      (await service.sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes })))
        .QueueUrl ?? '';
    const dlqUrl = await create(stageQueueName(stage, deadLetterQueueName('dial')));
    const dlqArn = (
      await service.sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: dlqUrl, AttributeNames: ['QueueArn'] }),
      )
    ).Attributes?.QueueArn;
    const sourceUrl = await create(stageQueueName(stage, 'dial'), {
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
    });
    await create(stageQueueName(stage, 'webhook'));
    await deadLetters(service.sqs, dlqUrl, 2);

    const aws = {
      AWS_ENDPOINT_URL_DYNAMODB: service.dynamodbEndpoint,
      AWS_ENDPOINT_URL_SQS: service.aws.sqs.endpoint,
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    };
    const redriven = await admin(['redrive', 'dial', '--stage', stage, '--region', LOCAL_SDK_REGION], aws);
    expect(redriven.code, redriven.output).toBe(0);
    expect(redriven.output).toContain('Moved 2 message(s) back to dial');
    expect(await queueDepth(service.sqs, sourceUrl)).toBe(2);
    expect(await queueDepth(service.sqs, dlqUrl)).toBe(0);

    const workspace = await admin(
      ['workspace', 'create', '--name', 'Ops', '--stage', stage, '--region', LOCAL_SDK_REGION],
      aws,
    );
    expect(workspace.code, workspace.output).toBe(0);
    const finish = await admin(
      ['force-finish', 'ws_none', 'batch_none', '--stage', stage, '--region', LOCAL_SDK_REGION],
      aws,
    );
    expect(finish.code).toBe(1);
    expect(finish.output).toContain('Batch batch_none does not exist');

    const unknown = await admin(['redrive', 'dial', '--stage', 'nostage', '--region', LOCAL_SDK_REGION], aws);
    expect(unknown.code).toBe(1);
    expect(unknown.output).toContain('No queue named batch-calls-nostage-dial-dlq');
    const noTable = await admin(
      ['key', 'list', '--workspace', 'ws_x', '--stage', 'nostage', '--region', LOCAL_SDK_REGION],
      aws,
    );
    expect(noTable.code).toBe(1);
    expect(noTable.output).toContain('No table named batch-calls-nostage-stateful-Table');
  }, 60_000);

  it('refuses bad usage with exit code 2', async () => {
    const cases: Array<[string[], string]> = [
      [['redrive'], 'redrive takes one queue'],
      [['redrive', 'sms'], 'Unknown queue "sms"'],
      [['redrive', 'scheduler-dlq'], 'no queue to go back to'],
      [['redrive', 'dial', '--table', 't', '--region', 'eu-west-1'], 'give --stage (not --table)'],
      [['redrive', 'dial', '--stage', 'prod'], '--stage needs --region'],
      [['redrive', 'dial', '--stage', 'Prod!', '--region', 'eu-west-1'], '--stage is lowercase'],
      [['force-finish', 'ws_1'], 'force-finish takes a workspace id and a batch id'],
      [['force-finish', 'ws_1', 'b_1', '--region', 'eu-west-1'], '--region needs --stage or --table'],
      [['force-finish', 'ws_1', 'b_1', '--name', 'x'], '--name does not apply'],
    ];
    for (const [args, message] of cases) {
      const result = await admin(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.output).toContain(message);
    }
  }, 60_000);
});
