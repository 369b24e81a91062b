import { describe, expect, it, vi } from 'vitest';
import { inlineDialing } from '#shared/app/run/inline-dial.ts';
import type { DialMessage } from '#shared/ports/queues.ts';

/** The callback function's dial queue: the freed turn's one message is dialed in place. */

const message = (recipientIndex: number): DialMessage => ({
  workspaceId: 'ws_1',
  batchId: 'batch_1',
  recipientIndex,
  attempt: 1,
});

function setup(dial: (m: DialMessage) => Promise<unknown> = async () => 'placed') {
  const queue = { send: vi.fn(async () => undefined) };
  const logger = { info: vi.fn(), warn: vi.fn(), error: vi.fn() };
  const dialed = vi.fn(dial);
  return { queue, logger, dialed, inline: inlineDialing(queue, dialed, logger) };
}

describe('dialing in the callback', () => {
  it('dials a single message now instead of sending it', async () => {
    const { queue, dialed, inline } = setup();
    await inline.send([message(3)]);
    expect(dialed).toHaveBeenCalledWith(message(3));
    expect(queue.send).not.toHaveBeenCalled();
  });

  it('sends delayed messages and several at once to the queue', async () => {
    const { queue, dialed, inline } = setup();
    await inline.send([message(3)], { delaySeconds: 2 });
    await inline.send([message(4), message(5)]);
    expect(dialed).not.toHaveBeenCalled();
    expect(queue.send).toHaveBeenNthCalledWith(1, [message(3)], { delaySeconds: 2 });
    expect(queue.send).toHaveBeenNthCalledWith(2, [message(4), message(5)], undefined);
  });

  it('queues the message when the dial in place fails, so the queue`s dial finishes it', async () => {
    const { queue, logger, inline } = setup(async () => {
      throw new Error('throttled');
    });
    await inline.send([message(3)]);
    expect(queue.send).toHaveBeenCalledWith([message(3)]);
    expect(logger.warn).toHaveBeenCalledOnce();
  });
});
