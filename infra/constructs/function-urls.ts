import { CfnOutput, Duration } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { ROUTES, type FunctionName } from '#infra/wiring.ts';
import { pascal } from './names.ts';

/**
 * The routes API Gateway cannot serve because their answer is a stream (infra/wiring.ts `via:
 * 'functionUrl'`: live progress): each function serving one gets a Lambda function URL with response
 * streaming. Its auth type is NONE because the function checks the API key itself, as every API
 * function does (acknowledged in nag-acknowledgements.ts); CORS lets the dashboard's origin read it
 * with its Authorization and Last-Event-ID headers. Its address is a stack output (`EventsUrl`) and
 * goes to the dashboard's config.json.
 */
export function streamingFunctionUrls(
  scope: Construct,
  functions: Record<FunctionName, lambda.IFunction>,
  dashboardUrl: string,
): Partial<Record<FunctionName, lambda.FunctionUrl>> {
  const names = [...new Set(ROUTES.filter((r) => r.via === 'functionUrl').map((r) => r.function))];
  const urls: Partial<Record<FunctionName, lambda.FunctionUrl>> = {};
  for (const name of names) {
    const url = new lambda.FunctionUrl(scope, `${pascal(name)}FunctionUrl`, {
      function: functions[name],
      authType: lambda.FunctionUrlAuthType.NONE,
      invokeMode: lambda.InvokeMode.RESPONSE_STREAM,
      cors: {
        allowedOrigins: [dashboardUrl],
        allowedMethods: [lambda.HttpMethod.GET],
        allowedHeaders: ['authorization', 'last-event-id', 'x-request-id'],
        exposedHeaders: ['x-request-id'],
        maxAge: Duration.hours(1),
      },
    });
    new CfnOutput(scope, `${pascal(name)}Url`, {
      value: url.url,
      description: `Base URL of the streamed routes of the ${name} function (GET <url>v1/agents/batch-calls/<id>/events)`,
    });
    urls[name] = url;
  }
  return urls;
}
