import { describe, expect, it } from 'vitest';
import { watchMalformedRequests } from '../helpers/malformed-requests.ts';

describe('the watch for requests AWS refused as malformed', () => {
  it('finds the refusal in a function’s output, also when it is split across two chunks', () => {
    const watch = watchMalformedRequests();
    watch.output('dial', 'stdout', Buffer.from('{"level":"INFO","message":"placed"}\n'));
    expect(watch.take()).toEqual([]);
    watch.output('providerEvents', 'stdout', Buffer.from('{"error":{"name":"Validation'));
    watch.output('providerEvents', 'stdout', Buffer.from('Exception","message":"two operations"}}\n'));
    const taken = watch.take();
    expect(taken).toHaveLength(1);
    expect(taken[0]).toMatch(/^providerEvents: .*ValidationException/);
    // Taken once: the next test starts clean.
    expect(watch.take()).toEqual([]);
  });

  it('does not join the chunks of two functions', () => {
    const watch = watchMalformedRequests();
    watch.output('dial', 'stdout', Buffer.from('Validation'));
    watch.output('sweeper', 'stdout', Buffer.from('Exception'));
    expect(watch.take()).toEqual([]);
  });
});
