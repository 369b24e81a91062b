import { describe, expect, it } from 'vitest';
import { createBacklogAlarm, startBacklogWatch } from '#infra/local/triggers/backlog-watch.ts';

/** The local runtime's "work waiting too long" warning (issue 11), driven by an injected clock. */
describe('backlog alarm', () => {
  const setup = () => {
    const lines: string[] = [];
    const alarm = createBacklogAlarm({
      label: '[stream tableStream]',
      thresholdMs: 10_000,
      repeatMs: 30_000,
      log: (line) => lines.push(line),
    });
    return { alarm, lines };
  };

  it('stays quiet while work waits up to the threshold', () => {
    const { alarm, lines } = setup();
    alarm.observe(1_000, { oldestSince: null });
    alarm.observe(10_000, { oldestSince: 0 });
    alarm.observe(20_000, { oldestSince: 10_000 });
    expect(lines).toEqual([]);
    expect(alarm.late).toBe(false);
  });

  it('warns past the threshold, repeats while it lasts, and says when it resumed', () => {
    const { alarm, lines } = setup();
    alarm.observe(11_000, { oldestSince: 0, detail: 'its worker has been invoking for 9 s' });
    expect(lines).toEqual([
      '[stream tableStream] WARNING: work has been waiting for 11 s (over 10 s); its worker has been invoking for 9 s',
    ]);
    expect(alarm.late).toBe(true);
    alarm.observe(20_000, { oldestSince: 0 });
    alarm.observe(40_000, { oldestSince: 0 });
    expect(lines).toHaveLength(1); // not before repeatMs
    alarm.observe(41_000, { oldestSince: 0 });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain('waiting for 41 s');
    alarm.observe(45_000, { oldestSince: 40_000 });
    expect(lines[2]).toBe(
      '[stream tableStream] resumed: no work waiting over 10 s (it was late for 34 s, the oldest waited 41 s)',
    );
    expect(alarm.late).toBe(false);
    // A new episode warns at once again.
    alarm.observe(60_000, { oldestSince: 45_000 });
    expect(lines).toHaveLength(4);
    expect(lines[3]).toContain('waiting for 15 s');
  });

  it('counts no waiting work as resumed', () => {
    const { alarm, lines } = setup();
    alarm.observe(12_000, { oldestSince: 0 });
    alarm.observe(13_000, { oldestSince: null });
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      '[stream tableStream] WARNING',
      '[stream tableStream] resumed',
    ]);
  });
});

describe('backlog watch', () => {
  it('samples on its timer and abandons a sample that never settles', async () => {
    const lines: string[] = [];
    let calls = 0;
    let clock = 0;
    const watch = startBacklogWatch({
      label: '[sqs dial]',
      intervalMs: 20,
      sampleTimeoutMs: 50,
      thresholdMs: 100,
      now: () => clock,
      log: (line) => lines.push(line),
      sample: () => {
        calls += 1;
        // The first sample hangs forever; the watch must go on without it.
        if (calls === 1) return new Promise(() => undefined);
        clock += 1_000;
        return { oldestSince: 0 };
      },
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 300));
    } finally {
      watch.stop();
    }
    expect(calls).toBeGreaterThan(2);
    expect(lines[0]).toMatch(/^\[sqs dial\] WARNING: work has been waiting for \d+ s/);
  });
});
