import { describe, expect, it, vi } from 'vitest';
import { traceClient, traced, tracer } from '../../functions/lib/tracing.ts';

/** A stand-in for the X-Ray segments Powertools Tracer hands out. */
function fakeTracer() {
  const subsegment = { close: vi.fn() };
  const segment = { addNewSubsegment: vi.fn(() => subsegment) };
  const on = {
    getSegment: vi.fn(() => segment),
    setSegment: vi.fn(),
    annotateColdStart: vi.fn(),
    addServiceNameAnnotation: vi.fn(),
    putAnnotation: vi.fn(),
  };
  return { on, segment, subsegment };
}

describe('tracing', () => {
  it('is off where the stack does not turn it on (tests, local mode): the tracer is never loaded', () => {
    expect(process.env.POWERTOOLS_TRACE_ENABLED).not.toBe('true');
    expect(tracer).toBeNull();
    const handler = async () => 'ok';
    expect(traced('dial', handler)).toBe(handler);
    const client = { send: () => undefined };
    expect(traceClient(client)).toBe(client);
  });

  it('makes each invocation a subsegment, annotated, and restores the segment after it', async () => {
    const { on, segment, subsegment } = fakeTracer();
    const handler = traced('dial', async (n: number) => n * 2, on as never);
    expect(await handler(21)).toBe(42);
    expect(segment.addNewSubsegment).toHaveBeenCalledWith('## dial');
    expect(on.setSegment.mock.calls).toEqual([[subsegment], [segment]]);
    expect(on.annotateColdStart).toHaveBeenCalledOnce();
    expect(on.addServiceNameAnnotation).toHaveBeenCalledOnce();
    expect(subsegment.close).toHaveBeenCalledOnce();
    expect(on.putAnnotation).not.toHaveBeenCalled();
  });

  it('marks a failed invocation without putting the error in the trace, and rethrows it', async () => {
    const { on, segment, subsegment } = fakeTracer();
    const error = new Error('+14155550100 refused');
    const handler = traced('providerEvents', async () => Promise.reject(error), on as never);
    await expect(handler()).rejects.toBe(error);
    expect(on.putAnnotation).toHaveBeenCalledWith('failed', true);
    expect(subsegment.close).toHaveBeenCalledOnce();
    expect(on.setSegment).toHaveBeenLastCalledWith(segment);
  });

  it('wraps an SDK client through the tracer when it is on', () => {
    const client = { send: () => undefined };
    const wrapped = { send: () => 'traced' };
    const on = { captureAWSv3Client: vi.fn(() => wrapped) };
    expect(traceClient(client, on as never)).toBe(wrapped);
    expect(on.captureAWSv3Client).toHaveBeenCalledWith(client);
  });
});
