import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { MalformedMessageError, parseQueueMessage } from '#functions/lib/queue-message.ts';
import { dialMessageSchema, webhookMessageSchema } from '#shared/contracts/queue-messages.ts';
import type { DialMessage } from '#shared/ports/queues.ts';

/** Queue messages are parsed with their contract schemas; a bad one fails alone and is logged without values. */

const PHONE = '+14155551234';
const dial: DialMessage = {
  workspaceId: 'ws_1',
  batchId: 'batch_1',
  recipientIndex: 3,
  attempt: 1,
  agentId: 'agent_1',
};

function record(messageId: string, body: string): SQSRecord {
  return {
    messageId,
    receiptHandle: `rh-${messageId}`,
    body,
    attributes: {} as SQSRecord['attributes'],
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:dial',
    awsRegion: 'us-east-1',
  };
}

function recordingLogger() {
  const lines: string[] = [];
  return {
    lines,
    error: (message: string, extra: Record<string, unknown>) =>
      lines.push(JSON.stringify({ message, extra })),
  };
}

describe('queue message schemas', () => {
  it('read what the senders write, ignoring fields a newer sender adds', () => {
    expect(dialMessageSchema.parse({ ...dial, later: true })).toEqual(dial);
    expect(
      dialMessageSchema.parse({ workspaceId: 'ws_1', batchId: 'b', recipientIndex: 0, attempt: 2 }),
    ).toBeTruthy();
    expect(
      webhookMessageSchema.parse({ batchId: 'b', webhookId: 'batch.completed:b', recipientIndex: null }),
    ).toEqual({
      batchId: 'b',
      webhookId: 'batch.completed:b',
      recipientIndex: null,
    });
  });

  it('refuse what is not a message of the queue', () => {
    expect(dialMessageSchema.safeParse({ ...dial, attempt: 0 }).success).toBe(false);
    expect(dialMessageSchema.safeParse({ ...dial, recipientIndex: '3' }).success).toBe(false);
    expect(webhookMessageSchema.safeParse({ batchId: 'b' }).success).toBe(false);
  });
});

describe('parseQueueMessage', () => {
  it('fails a record that is not JSON or does not match, logging neither the body nor a value', () => {
    const logger = recordingLogger();
    expect(parseQueueMessage(dialMessageSchema, record('1', JSON.stringify(dial)), logger, 'dial')).toEqual(
      dial,
    );
    expect(() =>
      parseQueueMessage(dialMessageSchema, record('2', `{"phone":"${PHONE}"`), logger, 'dial'),
    ).toThrow(MalformedMessageError);
    expect(() =>
      parseQueueMessage(
        dialMessageSchema,
        record('3', JSON.stringify({ ...dial, attempt: PHONE })),
        logger,
        'dial',
      ),
    ).toThrow(/message 3 does not match/);
    expect(logger.lines).toHaveLength(2);
    expect(logger.lines.join('\n')).not.toContain('4155551234');
    expect(JSON.parse(logger.lines[1] ?? '{}').extra).toEqual({
      queue: 'dial',
      messageId: '3',
      issues: [{ path: 'attempt', code: 'invalid_type' }],
    });
  });

  it('lets the batch processor report a bad record alone, not fail the batch', async () => {
    const logger = recordingLogger();
    const handled: DialMessage[] = [];
    const event: SQSEvent = {
      Records: [
        record('good', JSON.stringify(dial)),
        record('not-json', 'phone=+14155551234'),
        record('wrong', JSON.stringify({ phone: PHONE })),
        record('good-2', JSON.stringify({ ...dial, recipientIndex: 4 })),
      ],
    };
    const answer = await processPartialResponse(
      event,
      async (r: SQSRecord) => {
        handled.push(parseQueueMessage(dialMessageSchema, r, logger, 'dial'));
      },
      new BatchProcessor(EventType.SQS),
      { context: {} as Context, processInParallel: true },
    );
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: 'not-json' }, { itemIdentifier: 'wrong' }]);
    expect(handled.map((m) => m.recipientIndex).sort()).toEqual([3, 4]);
    expect(logger.lines.join('\n')).not.toContain('4155551234');
  });
});
