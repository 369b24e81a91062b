import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * Powertools Tracer (issue 16's operator pack): each invocation is a subsegment annotated with its
 * cold start and its service, and each AWS SDK call of the function a subsegment beneath it, on top
 * of what X-Ray's active tracing records (the invocation, its init, the services it calls).
 *
 * The stack turns it on (`POWERTOOLS_TRACE_ENABLED=true`, infra/function-environment.ts); the package
 * is not in the bundles (with aws-xray-sdk-core it would add 121 KB to each) but in the dependencies
 * layer every function has, at the version this project pins (infra/deps-layer.ts). Off — local
 * mode, tests, tools — it is never loaded.
 *
 * Outbound HTTP is not captured (`captureHTTPsRequests: false`): a customer's webhook URL may carry a
 * token in its query, and the provider and webhook latencies are metrics already. Neither responses
 * nor errors go into the trace as metadata: they may hold phone numbers.
 */
export const tracer: Tracer | null =
  process.env.POWERTOOLS_TRACE_ENABLED === 'true'
    ? new (await import('@aws-lambda-powertools/tracer')).Tracer({ captureHTTPsRequests: false })
    : null;

/** An AWS SDK v3 client whose calls become subsegments when the tracer is on; itself otherwise. */
export function traceClient<C>(client: C, on: Pick<Tracer, 'captureAWSv3Client'> | null = tracer): C {
  return on ? on.captureAWSv3Client(client) : client;
}

type TracerHooks = Pick<
  Tracer,
  'getSegment' | 'setSegment' | 'annotateColdStart' | 'addServiceNameAnnotation' | 'putAnnotation'
>;

/**
 * A handler whose invocation is one subsegment (`## <name>`), annotated with the cold start and
 * the service, and with `failed: true` when it throws. Without a tracer, the handler itself.
 */
export function traced<A extends unknown[], R>(
  name: string,
  handler: (...args: A) => Promise<R>,
  on: TracerHooks | null = tracer,
): (...args: A) => Promise<R> {
  if (!on) return handler;
  return async (...args: A) => {
    const segment = on.getSegment();
    const subsegment = segment?.addNewSubsegment(`## ${name}`);
    if (subsegment) on.setSegment(subsegment);
    on.annotateColdStart();
    on.addServiceNameAnnotation();
    try {
      return await handler(...args);
    } catch (error) {
      on.putAnnotation('failed', true);
      throw error;
    } finally {
      if (segment && subsegment) {
        subsegment.close();
        on.setSegment(segment);
      }
    }
  };
}
