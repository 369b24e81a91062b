import type { Tracer } from '@aws-lambda-powertools/tracer';

/**
 * One invocation as an X-Ray subsegment of Lambda's own segment (which takes no annotations): the
 * cold-start and service annotations, an error as metadata. With tracing off
 * (POWERTOOLS_TRACE_ENABLED=false: local mode) Tracer hands out a dummy segment and this costs nothing.
 *
 * Only the functions whose bundle budget holds Tracer's +121 KB (with aws-xray-sdk-core) use it; the
 * others are traced by Lambda's active tracing alone (docs/deploy.md, "Tracing").
 */
export async function traceInvocation<T>(tracer: Tracer, name: string, run: () => Promise<T>): Promise<T> {
  const segment = tracer.getSegment();
  const subsegment = segment?.addNewSubsegment(`## ${name}`);
  if (subsegment) tracer.setSegment(subsegment);
  tracer.annotateColdStart();
  tracer.addServiceNameAnnotation();
  try {
    return await run();
  } catch (error) {
    tracer.addErrorAsMetadata(error as Error);
    throw error;
  } finally {
    if (segment && subsegment) {
      subsegment.close();
      tracer.setSegment(segment);
    }
  }
}
