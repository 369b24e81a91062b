import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  ArnFormat,
  CfnOutput,
  Duration,
  Fn,
  Lazy,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import * as apigw from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import * as authorizers from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import * as integrations from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as eventTargets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as eventSources from 'aws-cdk-lib/aws-lambda-event-sources';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import { TABLE } from '#shared/adapters/dynamodb/table-definition.ts';
import type { DeployConfig } from '#infra/config.ts';
import {
  DASHBOARD_FRAME_OPTIONS,
  DASHBOARD_REFERRER_POLICY,
  dashboardContentSecurityPolicy,
} from '#infra/dashboard-headers.ts';
import {
  FUNCTIONS,
  QUEUE_SOURCES,
  RECURRING,
  ROUTES,
  SCHEDULER,
  SCHEDULER_TARGET,
  STREAM_SOURCES,
  type FunctionName,
  type FunctionSpec,
} from '#infra/wiring.ts';
import { functionEnvironment } from '#infra/function-environment.ts';
import {
  FILES_PREFIX,
  LOG_PREFIX,
  statefulExportNames,
  type StatefulStack,
} from '#infra/stacks/stateful-stack.ts';

/** A stream source's records older than this (ms) for three minutes running raise an alarm. */
export const STREAM_ITERATOR_AGE_ALARM_MS = 60_000;

/**
 * The code and its triggers, all driven by infra/wiring.ts: the functions, the HTTP API and its
 * authorizer, the queue and stream event sources, the schedules, the function alarms and the
 * dashboard's hosting. Nothing here holds data that a redeploy could lose.
 */

export interface StatelessStackProps extends StackProps {
  config: DeployConfig;
  stateful: StatefulStack;
  /** The repository root: function entries and web/ are resolved from here. */
  projectRoot: string;
}

/** The secrets the functions may touch: provider credentials, `batch-calls/<workspace>/<number>`. */
export const SECRETS_PREFIX = 'batch-calls/';

const SECRET_ACTIONS = {
  read: ['secretsmanager:GetSecretValue'],
  readWrite: [
    'secretsmanager:GetSecretValue',
    'secretsmanager:CreateSecret',
    'secretsmanager:PutSecretValue',
    'secretsmanager:DeleteSecret',
  ],
} as const;

/** The schedule actions the api function needs for one-time start schedules; nothing to read or list. */
export const SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'] as const;

/** esbuild output is ESM; CommonJS dependencies that call `require` need one. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as __batchCallsCreateRequire } from 'node:module'; const require = __batchCallsCreateRequire(import.meta.url);";

/** What the dashboard build produces; synth refuses to deploy a dashboard without it. */
const WEB_BUNDLE = 'dist/app.js';
/** web/ files that are not served: sources, build config, and the local-mode config.json. */
const WEB_EXCLUDES = ['src', 'src/*', 'src/**', 'tsconfig.json', '.gitignore', 'config.json'];

const pascal = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

/**
 * The text cdk-nag shows for a (resolved) resource, as in its finding ids
 * (`AwsSolutions-IAM5[Resource::<text>]`): intrinsics flattened the way cdk-nag flattens them.
 */
export function nagText(resolved: unknown): string {
  if (resolved === undefined) return '';
  if (typeof resolved === 'string') return resolved.replace(/\$\{/g, '<').replace(/\}/g, '>');
  if (typeof resolved !== 'object' || resolved === null) return JSON.stringify(resolved);
  const node = resolved as Record<string, unknown>;
  const join = node['Fn::Join'];
  if (Array.isArray(join)) {
    const [delimiter, items] = join as [string, unknown[]];
    return items.map(nagText).join(delimiter);
  }
  if ('Fn::Sub' in node) return nagText(node['Fn::Sub']);
  const getAtt = node['Fn::GetAtt'];
  if (Array.isArray(getAtt)) return `<${nagText(getAtt[0])}.${nagText(getAtt[1])}>`;
  if ('Fn::ImportValue' in node) return nagText(node['Fn::ImportValue']);
  if ('Ref' in node) return `<${nagText(node.Ref)}>`;
  return JSON.stringify(node);
}

/** The grant targets, seen from this stack: imported by name where a finding must name them. */
interface Targets {
  table: dynamodb.ITable;
  filesBucket: s3.IBucket;
}

export class StatelessStack extends Stack {
  readonly functions: Record<FunctionName, nodejs.NodejsFunction>;
  readonly httpApi: apigwv2.HttpApi;
  /** The scheduler's execution role: it may invoke the start function and nothing else. */
  readonly schedulerRole: iam.Role;
  readonly scheduleGroup: scheduler.ScheduleGroup;
  readonly distribution: cloudfront.Distribution;
  /** Where clients and providers reach the API (custom domain or execute-api), no trailing slash. */
  readonly apiBaseUrl: string;
  readonly dashboardUrl: string;

  constructor(scope: Construct, id: string, props: StatelessStackProps) {
    super(scope, id, props);
    const { config, stateful, projectRoot } = props;
    const logRetention = config.limits.logRetentionDays as logs.RetentionDays;
    const logRemoval = config.disposable ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN;

    const dashboard = this.dashboardHosting(config, stateful);
    this.distribution = dashboard.distribution;
    this.dashboardUrl = `https://${config.dashboardDomain?.domainName ?? this.distribution.distributionDomainName}`;

    this.httpApi = new apigwv2.HttpApi(this, 'HttpApi', {
      description: `batch-calls ${config.stage} API`,
      createDefaultStage: false,
      corsPreflight: {
        allowOrigins: [this.dashboardUrl],
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
    this.apiBaseUrl = config.apiDomain ? `https://${config.apiDomain.domainName}` : this.httpApi.apiEndpoint;

    const scheduleGroupName = `${SCHEDULER.groupName}-${config.stage}`;
    this.scheduleGroup = new scheduler.ScheduleGroup(this, 'StartScheduleGroup', {
      scheduleGroupName,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', {
      description:
        'EventBridge Scheduler: invokes the batch start function, dead-letters what it cannot deliver',
      assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com', {
        conditions: {
          StringEquals: { 'aws:SourceAccount': this.account },
          ArnEquals: { 'aws:SourceArn': this.scheduleGroup.scheduleGroupArn },
        },
      }),
    });

    const exportNames = statefulExportNames(config.stage);
    const targets: Targets = {
      table: dynamodb.Table.fromTableAttributes(this, 'Table', {
        tableArn: Fn.importValue(exportNames.tableArn),
        tableStreamArn: stateful.table.tableStreamArn,
        globalIndexes: [TABLE.gsi1.name],
      }),
      filesBucket: s3.Bucket.fromBucketAttributes(this, 'FilesBucket', {
        bucketArn: Fn.importValue(exportNames.filesBucketArn),
        bucketName: stateful.filesBucket.bucketName,
      }),
    };

    const functions = {} as Record<FunctionName, nodejs.NodejsFunction>;
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      functions[name] = this.lambdaFunction(name, FUNCTIONS[name], {
        config,
        stateful,
        targets,
        projectRoot,
        logRetention,
        logRemoval,
        scheduleGroupName,
      });
    }
    this.functions = functions;

    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['lambda:InvokeFunction'],
        resources: [functions[SCHEDULER_TARGET].functionArn],
      }),
    );
    this.schedulerRole.addToPolicy(
      new iam.PolicyStatement({
        actions: ['sqs:SendMessage'],
        resources: [stateful.schedulerDeadLetterQueue.queueArn],
      }),
    );

    this.httpApiRoutes(config, functions, logRetention, logRemoval);
    this.eventSources(stateful, targets, functions);

    for (const recurring of RECURRING) {
      const id = `${pascal(recurring.function)}Schedule`;
      new events.Rule(this, id, {
        description: `Runs ${recurring.function} ${recurring.rate}`,
        schedule: events.Schedule.expression(recurring.rate),
        // A missed run is caught up by the next one; retries beyond that would only overlap it.
        targets: [
          new eventTargets.LambdaFunction(functions[recurring.function], {
            retryAttempts: 2,
            maxEventAge: Duration.minutes(5),
          }),
        ],
      });
    }

    const alarmAction = new cloudwatchActions.SnsAction(stateful.alarmTopic);
    for (const [name, fn] of Object.entries(functions)) {
      fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' })
        .createAlarm(this, `${pascal(name)}ErrorsAlarm`, {
          alarmDescription: `The ${name} function failed (uncaught errors or timeouts).`,
          threshold: 0,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 1,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(alarmAction);
    }
    // A stream source that stops making progress (an invocation hanging to its timeout and retried, a
    // poison record being bisected) fails no request and may raise no error: its records just age.
    // IteratorAge is the age of the last record of each batch handed to the function; in normal runs
    // it stays well under a second, so a minute for three minutes running is a blocked shard.
    for (const source of STREAM_SOURCES) {
      functions[source.function]
        .metric('IteratorAge', { period: Duration.minutes(1), statistic: 'Maximum' })
        .createAlarm(this, `${pascal(source.function)}IteratorAgeAlarm`, {
          alarmDescription: `The ${source.function} function's stream records wait over a minute (a blocked or lagging shard).`,
          threshold: STREAM_ITERATOR_AGE_ALARM_MS,
          comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
          evaluationPeriods: 3,
          treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        })
        .addAlarmAction(alarmAction);
    }

    // The dashboard reads the API's address from /config.json (served from the same origin).
    const webRoot = join(projectRoot, 'web');
    if (this.bundlingRequired && !existsSync(join(webRoot, WEB_BUNDLE))) {
      throw new Error(`The dashboard is not built: web/${WEB_BUNDLE} is missing (run npm run build:web).`);
    }
    const deploymentRole = new iam.Role(this, 'DashboardDeploymentRole', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: 'Copies web/ and config.json into the dashboard bucket',
    });
    const deploymentLogs = new logs.LogGroup(this, 'DashboardDeploymentLogs', {
      retention: logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    deploymentLogs.grantWrite(deploymentRole);
    new s3deploy.BucketDeployment(this, 'DashboardDeployment', {
      sources: [
        // The built dashboard only: its sources and the local config.json stay behind.
        s3deploy.Source.asset(webRoot, { exclude: WEB_EXCLUDES }),
        s3deploy.Source.jsonData('config.json', { apiBaseUrl: this.apiBaseUrl }),
      ],
      destinationBucket: dashboard.bucket,
      distribution: this.distribution,
      distributionPaths: ['/*'],
      // Deleting the stack empties the bucket first, so that the bucket itself can go.
      retainOnDelete: false,
      role: deploymentRole,
      logGroup: deploymentLogs,
    });
    this.acknowledgeDashboardDeployment(deploymentRole, dashboard.bucket);

    new CfnOutput(this, 'ApiUrl', { value: this.apiBaseUrl, description: 'Base URL of the API (/v1/...)' });
    new CfnOutput(this, 'DashboardUrl', { value: this.dashboardUrl, description: 'The dashboard' });
    new CfnOutput(this, 'TableName', {
      value: stateful.table.tableName,
      description: 'DynamoDB table (npm run admin -- ... --table <TableName> --region <Region>)',
    });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Region of the stack' });
  }

  /**
   * The dashboard's security headers (infra/dashboard-headers.ts, which the local gateway sends too),
   * plus HSTS, which only means something over https.
   */
  private dashboardHeaders(config: DeployConfig, stateful: StatefulStack): cloudfront.ResponseHeadersPolicy {
    // The API: its custom domain when there is one. Otherwise its execute-api host cannot be named
    // here: the API's CORS names this distribution's domain, so the distribution naming the API back
    // would be a dependency cycle; any execute-api host of the region is allowed instead.
    const api = config.apiDomain
      ? `https://${config.apiDomain.domainName}`
      : `https://*.execute-api.${this.region}.${this.urlSuffix}`;
    // Where the pre-signed CSV POST goes: the files bucket's virtual-hosted regional endpoint, the
    // form of URL the SDK's createPresignedPost gives.
    const uploads = `https://${stateful.filesBucket.bucketName}.s3.${this.region}.${this.urlSuffix}`;
    return new cloudfront.ResponseHeadersPolicy(this, 'DashboardHeaders', {
      comment: 'batch-calls dashboard: CSP, no framing, no referrer, nosniff, HSTS',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: dashboardContentSecurityPolicy([api, uploads]),
          override: true,
        },
        contentTypeOptions: { override: true },
        frameOptions: {
          frameOption: DASHBOARD_FRAME_OPTIONS as cloudfront.HeadersFrameOption,
          override: true,
        },
        referrerPolicy: {
          referrerPolicy: DASHBOARD_REFERRER_POLICY as cloudfront.HeadersReferrerPolicy,
          override: true,
        },
        strictTransportSecurity: {
          accessControlMaxAge: Duration.days(365),
          includeSubdomains: true,
          override: true,
        },
      },
    });
  }

  private dashboardHosting(
    config: DeployConfig,
    stateful: StatefulStack,
  ): { bucket: s3.Bucket; distribution: cloudfront.Distribution } {
    const bucket = new s3.Bucket(this, 'DashboardBucket', {
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      // Its content is rebuilt from web/ on every deploy.
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // Set on the L1 resource: the L2 property would also edit the log bucket's policy from this stack
    // (the stateful stack allows this prefix for the account instead).
    (bucket.node.defaultChild as s3.CfnBucket).loggingConfiguration = {
      destinationBucketName: stateful.logBucket.bucketName,
      logFilePrefix: LOG_PREFIX.dashboardBucket,
    };

    const certificate = config.dashboardDomain
      ? acm.Certificate.fromCertificateArn(
          this,
          'DashboardCertificate',
          config.dashboardDomain.certificateArn,
        )
      : undefined;
    const distribution = new cloudfront.Distribution(this, 'Dashboard', {
      comment: `batch-calls ${config.stage} dashboard`,
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.dashboardHeaders(config, stateful),
      },
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      priceClass: cloudfront.PriceClass.PRICE_CLASS_100,
      enableLogging: true,
      logBucket: stateful.logBucket,
      logFilePrefix: LOG_PREFIX.cloudFront,
      ...(certificate && config.dashboardDomain
        ? {
            certificate,
            domainNames: [config.dashboardDomain.domainName],
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    Validations.of(distribution).acknowledge(
      {
        id: 'AwsSolutions-CFR1',
        reason:
          'The dashboard is a static page for operators anywhere; the API it calls requires an API key.',
      },
      {
        id: 'AwsSolutions-CFR2',
        reason:
          'Static files only (no origin logic to protect); a WAF web ACL costs a fixed monthly fee. Customers can attach one.',
      },
    );
    if (!certificate) {
      Validations.of(distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          'Without a custom domain CloudFront serves its default certificate, whose policy AWS fixes at TLSv1; set dashboardDomainName to get TLSv1.2_2021.',
      });
    }

    if (config.dashboardDomain && config.hostedZone) {
      new route53.ARecord(this, 'DashboardAlias', {
        zone: this.hostedZone(config.hostedZone),
        recordName: config.dashboardDomain.domainName,
        target: route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(distribution)),
      });
    }
    return { bucket, distribution };
  }

  private zone: route53.IHostedZone | undefined;

  private hostedZone(zone: { id: string; name: string }): route53.IHostedZone {
    this.zone ??= route53.HostedZone.fromHostedZoneAttributes(this, 'HostedZone', {
      hostedZoneId: zone.id,
      zoneName: zone.name,
    });
    return this.zone;
  }

  private lambdaFunction(
    name: FunctionName,
    spec: FunctionSpec,
    ctx: {
      config: DeployConfig;
      stateful: StatefulStack;
      targets: Targets;
      projectRoot: string;
      logRetention: logs.RetentionDays;
      logRemoval: RemovalPolicy;
      scheduleGroupName: string;
    },
  ): nodejs.NodejsFunction {
    const { config, stateful, targets, projectRoot } = ctx;
    const entry = join(projectRoot, spec.entry);
    if (!existsSync(entry)) {
      throw new Error(
        `Function "${name}": its entry ${spec.entry} does not exist (FUNCTIONS.${name}.entry in infra/wiring.ts).`,
      );
    }
    const id = pascal(name);
    const logGroup = new logs.LogGroup(this, `${id}Logs`, {
      retention: ctx.logRetention,
      removalPolicy: ctx.logRemoval,
    });
    // An own role instead of the default one: the default attaches an AWS managed policy that may
    // write to any log group; this one writes to its own.
    const role = new iam.Role(this, `${id}Role`, {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `batch-calls ${name} function`,
    });
    logGroup.grantWrite(role);

    // The settings come from the one derivation the local runtime uses too; the grants below match.
    const environment = functionEnvironment(name, {
      tableName: stateful.table.tableName,
      publicBaseUrl: this.apiBaseUrl,
      queueUrls: {
        dial: stateful.queues.dial.queue.queueUrl,
        webhook: stateful.queues.webhook.queue.queueUrl,
      },
      filesBucket: stateful.filesBucket.bucketName,
      scheduler: {
        groupName: ctx.scheduleGroupName,
        // Lazy: the target function is created in the same loop as this one.
        targetArn: Lazy.string({ produce: () => this.functions[SCHEDULER_TARGET].functionArn }),
        roleArn: this.schedulerRole.roleArn,
        deadLetterArn: stateful.schedulerDeadLetterQueue.queueArn,
      },
      authCacheTtlSeconds: config.limits.authCacheTtlSeconds,
    });

    const { access } = spec;
    const { table, filesBucket } = targets;
    if (access.table === 'read') table.grantReadData(role);
    if (access.table === 'readWrite') table.grantReadWriteData(role);
    for (const queueName of access.sendTo ?? []) {
      const { queue } = stateful.queues[queueName];
      queue.grantSendMessages(role);
    }
    if (access.transcripts) {
      const keys = `${FILES_PREFIX.transcripts}*`;
      if (access.transcripts === 'read') filesBucket.grantRead(role, keys);
      else filesBucket.grantPut(role, keys);
    }
    if (access.uploads) {
      // Pre-signs the POST (the signature carries this role's PutObject right) and reads the file back.
      const keys = `${FILES_PREFIX.uploads}*`;
      filesBucket.grantPut(role, keys);
      filesBucket.grantRead(role, keys);
    }
    const secretArn = access.secrets
      ? this.formatArn({
          service: 'secretsmanager',
          resource: 'secret',
          resourceName: `${SECRETS_PREFIX}*`,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        })
      : null;
    if (access.secrets && secretArn) {
      iam.Grant.addToPrincipal({
        grantee: role,
        actions: [...SECRET_ACTIONS[access.secrets]],
        resourceArns: [secretArn],
      });
    }
    const scheduleArn = access.scheduler
      ? this.formatArn({
          service: 'scheduler',
          resource: 'schedule',
          resourceName: `${ctx.scheduleGroupName}/*`,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        })
      : null;
    if (scheduleArn) {
      iam.Grant.addToPrincipal({
        grantee: role,
        actions: [...SCHEDULE_ACTIONS],
        resourceArns: [scheduleArn],
      });
      this.schedulerRole.grantPassRole(role);
    }

    const fn = new nodejs.NodejsFunction(this, `${id}Function`, {
      description: `batch-calls ${name} (${spec.entry})`,
      entry,
      handler: 'handler',
      projectRoot,
      depsLockFilePath: join(projectRoot, 'package-lock.json'),
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: spec.memoryMb,
      timeout: Duration.seconds(spec.timeoutSeconds),
      tracing: lambda.Tracing.ACTIVE,
      loggingFormat: lambda.LoggingFormat.JSON,
      logGroup,
      role,
      environment,
      bundling: {
        format: nodejs.OutputFormat.ESM,
        target: 'node22',
        platform: 'node',
        mainFields: ['module', 'main'],
        minify: true,
        sourceMap: true,
        // The SDK is bundled at the versions package-lock.json pins, not the one the runtime ships.
        externalModules: [],
        banner: ESM_REQUIRE_BANNER,
        tsconfig: join(projectRoot, 'tsconfig.json'),
      },
    });
    this.acknowledgeFunction(name, fn, role, access, targets, scheduleArn, secretArn);
    return fn;
  }

  private httpApiRoutes(
    config: DeployConfig,
    functions: Record<FunctionName, nodejs.NodejsFunction>,
    logRetention: logs.RetentionDays,
    logRemoval: RemovalPolicy,
  ): void {
    const accessLogs = new logs.LogGroup(this, 'ApiAccessLogs', {
      retention: logRetention,
      removalPolicy: logRemoval,
    });
    const domainName = config.apiDomain
      ? new apigwv2.DomainName(this, 'ApiDomain', {
          domainName: config.apiDomain.domainName,
          certificate: acm.Certificate.fromCertificateArn(
            this,
            'ApiCertificate',
            config.apiDomain.certificateArn,
          ),
        })
      : undefined;
    new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.httpApi,
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
            authorizerError: '$context.authorizer.error',
          }),
        ),
      },
      ...(domainName ? { domainMapping: { domainName } } : {}),
    });
    if (domainName && config.apiDomain && config.hostedZone) {
      new route53.ARecord(this, 'ApiAlias', {
        zone: this.hostedZone(config.hostedZone),
        recordName: config.apiDomain.domainName,
        target: route53.RecordTarget.fromAlias(
          new route53Targets.ApiGatewayv2DomainProperties(
            domainName.regionalDomainName,
            domainName.regionalHostedZoneId,
          ),
        ),
      });
    }

    // The authorizer always runs and always answers with a context; the api function turns "no
    // workspace" into the contract's 401. Without identity sources API Gateway cannot cache, hence
    // TTL 0: the authorizer keeps its own in-memory cache of key lookups (README, "Authentication").
    const authorizer = new authorizers.HttpLambdaAuthorizer('ApiKeyAuthorizer', functions.authorizer, {
      responseTypes: [authorizers.HttpLambdaResponseType.SIMPLE],
      identitySource: [],
      resultsCacheTtl: Duration.seconds(0),
    });
    const integrationsByFunction = new Map<FunctionName, integrations.HttpLambdaIntegration>();
    for (const route of ROUTES) {
      let integration = integrationsByFunction.get(route.function);
      if (!integration) {
        integration = new integrations.HttpLambdaIntegration(
          `${pascal(route.function)}Integration`,
          functions[route.function],
          {
            payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
          },
        );
        integrationsByFunction.set(route.function, integration);
      }
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration,
        authorizer: route.auth === 'apiKey' ? authorizer : new apigwv2.HttpNoneAuthorizer(),
      });
      if (route.auth === 'none' && created) {
        Validations.of(created).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Telephony providers cannot send our API keys: the function verifies each callback by the provider signature and refuses forged or replayed ones.',
        });
      }
    }
  }

  private eventSources(
    stateful: StatefulStack,
    targets: Targets,
    functions: Record<FunctionName, nodejs.NodejsFunction>,
  ): void {
    for (const source of QUEUE_SOURCES) {
      functions[source.function].addEventSource(
        new eventSources.SqsEventSource(stateful.queues[source.queue].queue, {
          batchSize: source.batchSize,
          maxConcurrency: source.maxConcurrency,
          maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds),
          reportBatchItemFailures: source.reportBatchItemFailures,
        }),
      );
    }
    for (const source of STREAM_SOURCES) {
      functions[source.function].addEventSource(
        new eventSources.DynamoEventSource(targets.table, {
          startingPosition: lambda.StartingPosition[source.startingPosition],
          batchSize: source.batchSize,
          maxBatchingWindow: Duration.seconds(source.maxBatchingWindowSeconds),
          bisectBatchOnError: source.bisectBatchOnError,
          retryAttempts: source.retryAttempts,
          maxRecordAge: Duration.seconds(source.maxRecordAgeSeconds),
          parallelizationFactor: source.parallelizationFactor,
          reportBatchItemFailures: source.reportBatchItemFailures,
          filters: source.filters.map((pattern) => lambda.FilterCriteria.filter(pattern)),
          onFailure: new eventSources.SqsDlq(stateful.streamFailureQueue),
        }),
      );
    }
  }

  /**
   * Each wildcard this function's role holds, acknowledged by name with the reason it is needed;
   * a wildcard not listed here fails the synth.
   */
  private acknowledgeFunction(
    name: FunctionName,
    fn: nodejs.NodejsFunction,
    role: iam.Role,
    access: FunctionSpec['access'],
    targets: Targets,
    scheduleArn: string | null,
    secretArn: string | null,
  ): void {
    Validations.of(fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        'Node.js 22 is the runtime the service is built and tested for (DESIGN.md); runtime upgrades are deliberate.',
    });
    const isStreamConsumer = STREAM_SOURCES.some((source) => source.function === name);
    const findings: [string, string][] = [
      [
        'Resource::*',
        isStreamConsumer
          ? 'X-Ray PutTraceSegments/PutTelemetryRecords and dynamodb:ListStreams have no resource-level permissions (AWS requires *).'
          : 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (AWS requires *).',
      ],
    ];
    if (access.table) {
      findings.push([
        `Resource::${nagText(this.resolve(`${targets.table.tableArn}/index/*`))}`,
        `Queries on the table's only index (${TABLE.gsi1.name}); CDK's table grant names indexes as index/*.`,
      ]);
    }
    if (access.transcripts) {
      findings.push([
        `Resource::${nagText(this.resolve(targets.filesBucket.arnForObjects(`${FILES_PREFIX.transcripts}*`)))}`,
        'Transcript objects are keyed per workspace/batch/recipient at run time: the grant is limited to the transcripts/ prefix.',
      ]);
      const actions =
        access.transcripts === 'read'
          ? {
              's3:GetObject*':
                'Reads transcript objects (GetObject and its version/ACL variants) under transcripts/ only.',
              's3:GetBucket*': "CDK's bucket read grant; bucket metadata only, no object data.",
              's3:List*':
                'ListBucket makes a missing transcript a 404 rather than a 403, which the transcript store relies on.',
            }
          : {
              's3:Abort*':
                'Lets an interrupted multipart upload of a transcript be aborted, under transcripts/ only.',
            };
      for (const [action, reason] of Object.entries(actions)) findings.push([`Action::${action}`, reason]);
    }
    if (access.uploads) {
      findings.push([
        `Resource::${nagText(this.resolve(targets.filesBucket.arnForObjects(`${FILES_PREFIX.uploads}*`)))}`,
        'Uploaded CSVs are keyed per workspace and upload id at run time: the grant is limited to the uploads/ prefix.',
      ]);
      const uploadActions: Record<string, string> = {
        's3:GetObject*': 'Reads an uploaded CSV back when a batch names it, under uploads/ only.',
        's3:GetBucket*': "CDK's bucket read grant; bucket metadata only, no object data.",
        's3:List*': 'ListBucket makes a missing upload a NoSuchKey (a clear 400) rather than a 403.',
        's3:Abort*': "CDK's put grant; lets an interrupted multipart upload be aborted, under uploads/ only.",
      };
      for (const [action, reason] of Object.entries(uploadActions)) {
        if (!findings.some(([id]) => id === `Action::${action}`))
          findings.push([`Action::${action}`, reason]);
      }
    }
    if (secretArn) {
      findings.push([
        `Resource::${nagText(this.resolve(secretArn))}`,
        `Provider credentials are one secret per phone number, created at run time under ${SECRETS_PREFIX}; nothing outside that prefix.`,
      ]);
    }
    if (scheduleArn) {
      findings.push([
        `Resource::${nagText(this.resolve(scheduleArn))}`,
        "One-time start schedules are named per batch at run time; the grant is limited to this stage's schedule group.",
      ]);
    }
    for (const [finding, reason] of findings) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }

  /** The BucketDeployment's handler is CDK's own; its grants are the ones CDK gives it. */
  private acknowledgeDashboardDeployment(role: iam.Role, bucket: s3.IBucket): void {
    const handler = this.node.children.find((child) =>
      child.node.id.startsWith('Custom::CDKBucketDeployment'),
    );
    if (!handler) throw new Error('BucketDeployment handler not found: aws-cdk-lib changed its layout');
    Validations.of(handler).acknowledge({
      id: 'AwsSolutions-L1',
      reason:
        "CDK's BucketDeployment handler: aws-cdk-lib chooses its runtime and updates it with the library.",
    });
    const reasons: [string, string][] = [
      ['Action::s3:GetObject*', 'BucketDeployment reads the web/ asset from the CDK asset bucket.'],
      ['Action::s3:GetBucket*', 'BucketDeployment reads bucket metadata of the asset and dashboard buckets.'],
      ['Action::s3:List*', 'BucketDeployment lists the dashboard bucket to prune files removed from web/.'],
      [
        'Action::s3:DeleteObject*',
        'BucketDeployment prunes files removed from web/ and empties the bucket on delete.',
      ],
      ['Action::s3:Abort*', 'BucketDeployment may abort its own multipart uploads to the dashboard bucket.'],
      [
        `Resource::${nagText(this.resolve(bucket.arnForObjects('*')))}`,
        'The dashboard bucket holds only web/ and config.json, all written by this deployment.',
      ],
      [
        'Resource::*',
        'CloudFront invalidations after a deployment: CDK grants CreateInvalidation/GetInvalidation on *.',
      ],
    ];
    const assets = this.assetObjectsArn(role);
    if (assets) {
      reasons.push([
        `Resource::${assets}`,
        "CDK's bootstrap asset bucket, from which the deployment copies the zipped web/ asset.",
      ]);
    }
    for (const [finding, reason] of reasons) {
      Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
    }
  }

  /** The asset bucket's object ARN as the role's policy names it (set by the stack synthesizer). */
  private assetObjectsArn(role: iam.Role): string | undefined {
    const policy = role.node.tryFindChild('DefaultPolicy');
    if (!(policy instanceof iam.Policy)) return undefined;
    const document = this.resolve(policy.document) as { Statement?: { Resource?: unknown }[] };
    for (const statement of document.Statement ?? []) {
      const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
      for (const resource of resources) {
        const text = nagText(resource);
        if (/:s3:::cdk-[a-z0-9]+-assets-/.test(text) && text.endsWith('/*')) return text;
      }
    }
    return undefined;
  }
}
