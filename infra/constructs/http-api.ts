import { Duration, type RemovalPolicy } from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import type { Construct } from 'constructs';
import type { DeployConfig } from '#infra/config.ts';
import { ROUTES, type FunctionName } from '#infra/wiring.ts';
import type { RouteAuth } from '#shared/contracts/route-paths.ts';
import { hostedZone } from './hosted-zone.ts';
import { pascal } from './names.ts';

/**
 * The HTTP API in two steps, because the functions need its address and its routes need the
 * functions: `httpApi` creates it with its CORS rule (the dashboard's origin), `httpApiRoutes` adds
 * the throttled `$default` stage with its access logs, the optional custom domain and alias, and one
 * route per infra/wiring.ts ROUTES entry, each integrated with the function the route table names.
 * No route has an authorizer: each function authenticates its requests itself (API keys:
 * shared/http/authenticate.ts; provider callbacks: their signature), failing closed, so a request
 * costs one invocation and one cold start, not two.
 */

export function httpApi(scope: Construct, stage: string, dashboardUrl: string): apigwv2.HttpApi {
  return new apigwv2.HttpApi(scope, 'HttpApi', {
    description: `batch-calls ${stage} API`,
    createDefaultStage: false,
    corsPreflight: {
      allowOrigins: [dashboardUrl],
      allowMethods: [
        apigwv2.CorsHttpMethod.GET,
        apigwv2.CorsHttpMethod.POST,
        apigwv2.CorsHttpMethod.PATCH,
        apigwv2.CorsHttpMethod.DELETE,
      ],
      allowHeaders: ['authorization', 'content-type', 'idempotency-key'],
      exposeHeaders: ['x-request-id', 'idempotent-replayed', 'location', 'retry-after'],
      maxAge: Duration.hours(1),
    },
  });
}

export interface HttpApiRoutesProps {
  config: DeployConfig;
  functions: Record<FunctionName, lambda.IFunction>;
  logRetention: logs.RetentionDays;
  logRemoval: RemovalPolicy;
}

/** A route of the HTTP API, its authentication and the function that serves it (cdk-nag's APIG4 names each). */
export interface ServedRoute {
  route: apigwv2.HttpRoute;
  function: FunctionName;
  auth: RouteAuth;
}

export function httpApiRoutes(
  scope: Construct,
  api: apigwv2.HttpApi,
  { config, functions, logRetention, logRemoval }: HttpApiRoutesProps,
): ServedRoute[] {
  const accessLogs = new logs.LogGroup(scope, 'ApiAccessLogs', {
    retention: logRetention,
    removalPolicy: logRemoval,
  });
  const domainName = config.apiDomain
    ? new apigwv2.DomainName(scope, 'ApiDomain', {
        domainName: config.apiDomain.domainName,
        certificate: acm.Certificate.fromCertificateArn(
          scope,
          'ApiCertificate',
          config.apiDomain.certificateArn,
        ),
      })
    : undefined;
  const stage = new apigwv2.HttpStage(scope, 'DefaultStage', {
    httpApi: api,
    stageName: '$default',
    autoDeploy: true,
    throttle: { rateLimit: config.limits.apiRateLimit, burstLimit: config.limits.apiBurstLimit },
    accessLogSettings: {
      destination: new apigwv2.LogGroupLogDestination(accessLogs),
      // No query strings or headers: provider callbacks and keys must not reach the logs.
      format: apigw.AccessLogFormat.custom(
        JSON.stringify({
          requestId: '$context.requestId',
          ip: '$context.identity.sourceIp',
          requestTime: '$context.requestTime',
          routeKey: '$context.routeKey',
          status: '$context.status',
          protocol: '$context.protocol',
          responseLength: '$context.responseLength',
          integrationLatency: '$context.integrationLatency',
          integrationError: '$context.integrationErrorMessage',
        }),
      ),
    },
    ...(domainName ? { domainMapping: { domainName } } : {}),
  });
  // Provider callbacks get their own throttle: under the stage's, a large batch's callbacks would
  // be refused (and every API client with them) long before the functions are busy. The L2 stage has
  // no per-route settings; the L1 property is the documented way.
  const callbackRoutes = ROUTES.filter((route) => route.function === 'providerEvents');
  (stage.node.defaultChild as apigwv2.CfnStage).routeSettings = Object.fromEntries(
    callbackRoutes.map((route) => [
      `${route.method} ${route.path}`,
      // RouteSettings is a free-form JSON property: CloudFormation's own casing, not the L1's.
      {
        ThrottlingRateLimit: config.limits.callbackRateLimit,
        ThrottlingBurstLimit: config.limits.callbackBurstLimit,
      },
    ]),
  );
  if (domainName && config.apiDomain && config.hostedZone) {
    new route53.ARecord(scope, 'ApiAlias', {
      zone: hostedZone(scope, config.hostedZone),
      recordName: config.apiDomain.domainName,
      target: route53.RecordTarget.fromAlias(
        new route53Targets.ApiGatewayv2DomainProperties(
          domainName.regionalDomainName,
          domainName.regionalHostedZoneId,
        ),
      ),
    });
  }

  const integrationsByFunction = new Map<FunctionName, integrations.HttpLambdaIntegration>();
  const served: ServedRoute[] = [];
  // A streamed route has its function's URL instead (./function-urls.ts): API Gateway cannot stream.
  for (const route of ROUTES.filter((r) => r.via === 'httpApi')) {
    let integration = integrationsByFunction.get(route.function);
    if (!integration) {
      integration = new integrations.HttpLambdaIntegration(
        `${pascal(route.function)}Integration`,
        functions[route.function],
        { payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0 },
      );
      integrationsByFunction.set(route.function, integration);
    }
    const [created] = api.addRoutes({
      path: route.path,
      methods: [apigwv2.HttpMethod[route.method]],
      integration,
    });
    if (created) served.push({ route: created, function: route.function, auth: route.auth });
  }
  return served;
}
