import { CfnOutput, Lazy, RemovalPolicy, Stack, type StackProps } from 'aws-cdk-lib';
import type * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import type * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import type * as iam from 'aws-cdk-lib/aws-iam';
import type * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { Construct } from 'constructs';
import type { DeployConfig } from '#infra/config.ts';
import { functionAlarms, serviceAlarms } from '#infra/constructs/alarms.ts';
import { dashboardSite, deployDashboard } from '#infra/constructs/dashboard-site.ts';
import { importGrantTargets } from '#infra/constructs/grant-targets.ts';
import { streamingFunctionUrls } from '#infra/constructs/function-urls.ts';
import { httpApi, httpApiRoutes } from '#infra/constructs/http-api.ts';
import { operationsDashboard } from '#infra/constructs/operations-dashboard.ts';
import { serviceFunction, type ServiceFunction } from '#infra/constructs/service-function.ts';
import { allowScheduleDelivery, startScheduler } from '#infra/constructs/start-scheduler.ts';
import { queueAndStreamSources, recurringSchedules } from '#infra/constructs/triggers.ts';
import { FUNCTIONS, SCHEDULER_TARGET, type FunctionName } from '#infra/wiring.ts';
import { acknowledgeStatelessFindings } from '#infra/stacks/nag-acknowledgements.ts';
import type { StatefulStack } from '#infra/stacks/stateful-stack.ts';

/**
 * The code and its triggers, all driven by infra/wiring.ts: the functions, the HTTP API (no
 * authorizer: its functions authenticate), the queue and stream event sources, the schedules, the
 * function alarms and the dashboard's hosting. Nothing here holds data that a redeploy could lose.
 *
 * The pieces live in infra/constructs/ and add their resources to this stack under the ids it has
 * always used (logical IDs derive from construct paths; a changed one replaces a deployed resource).
 * The order below is the order the resources appear in the template. The cdk-nag findings accepted
 * here are acknowledged in infra/stacks/nag-acknowledgements.ts.
 */

export interface StatelessStackProps extends StackProps {
  config: DeployConfig;
  stateful: StatefulStack;
  /** The repository root: function entries and web/ are resolved from here. */
  projectRoot: string;
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

    // The dashboard first: the API's CORS names its address.
    const dashboard = dashboardSite(this, config, stateful);
    this.distribution = dashboard.distribution;
    this.dashboardUrl = dashboard.url;

    this.httpApi = httpApi(this, config.stage, this.dashboardUrl);
    this.apiBaseUrl = config.apiDomain ? `https://${config.apiDomain.domainName}` : this.httpApi.apiEndpoint;

    const startSchedules = startScheduler(this, config.stage);
    this.scheduleGroup = startSchedules.group;
    this.schedulerRole = startSchedules.role;

    const targets = importGrantTargets(this, config.stage, stateful);
    const serviceFunctions: ServiceFunction[] = [];
    const functions = {} as Record<FunctionName, nodejs.NodejsFunction>;
    for (const name of Object.keys(FUNCTIONS) as FunctionName[]) {
      const created = serviceFunction(this, name, FUNCTIONS[name], {
        config,
        stateful,
        targets,
        projectRoot,
        logRetention,
        logRemoval,
        publicBaseUrl: this.apiBaseUrl,
        scheduler: {
          groupName: startSchedules.groupName,
          role: startSchedules.role,
          // Lazy: the target function is created in this same loop.
          targetArn: Lazy.string({ produce: () => functions[SCHEDULER_TARGET].functionArn }),
        },
      });
      serviceFunctions.push(created);
      functions[name] = created.fn;
    }
    this.functions = functions;
    allowScheduleDelivery(startSchedules, functions[SCHEDULER_TARGET], stateful.schedulerDeadLetterQueue);

    const routes = httpApiRoutes(this, this.httpApi, { config, functions, logRetention, logRemoval });
    // Live progress streams: API Gateway cannot carry them (docs/live-progress.md).
    const functionUrls = streamingFunctionUrls(this, functions, this.dashboardUrl);
    queueAndStreamSources(stateful, targets, functions, config.queueConcurrency);
    recurringSchedules(this, functions);
    functionAlarms(this, functions, stateful.alarmTopic);
    serviceAlarms(this, { functions, api: this.httpApi, alarmTopic: stateful.alarmTopic });
    const operations = operationsDashboard(this, {
      stage: config.stage,
      api: this.httpApi,
      functions,
      queues: stateful.queues,
      table: targets.table,
    });

    const deployment = deployDashboard(this, {
      site: dashboard,
      projectRoot,
      apiBaseUrl: this.apiBaseUrl,
      eventsBaseUrl: functionUrls.events?.url ?? '',
      logRetention,
    });

    new CfnOutput(this, 'ApiUrl', { value: this.apiBaseUrl, description: 'Base URL of the API (/v1/...)' });
    new CfnOutput(this, 'DashboardUrl', { value: this.dashboardUrl, description: 'The dashboard' });
    new CfnOutput(this, 'TableName', {
      value: stateful.table.tableName,
      description: 'DynamoDB table (npm run admin -- ... --table <TableName> --region <Region>)',
    });
    new CfnOutput(this, 'Region', { value: this.region, description: 'Region of the stack' });
    new CfnOutput(this, 'OperationsDashboardName', {
      value: operations.dashboardName,
      description: 'CloudWatch dashboard of the service (docs/runbook.md)',
    });

    acknowledgeStatelessFindings(this, {
      functions: serviceFunctions,
      routes,
      dashboard,
      dashboardDeploymentRole: deployment.role,
    });
  }
}
