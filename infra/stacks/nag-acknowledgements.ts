import { Validations, type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type { IConstruct } from 'constructs';
import { TABLE } from '#shared/adapters/dynamodb/table-definition.ts';
import { STREAM_SOURCES } from '#infra/wiring.ts';
import type { RouteAuth } from '#shared/contracts/route-paths.ts';
import type { DashboardSite } from '#infra/constructs/dashboard-site.ts';
import type { ServedRoute } from '#infra/constructs/http-api.ts';
import type { ServiceFunction } from '#infra/constructs/service-function.ts';
import type { StatefulStack } from '#infra/stacks/stateful-stack.ts';

/**
 * Every cdk-nag (AwsSolutions) finding the stacks knowingly accept, each with its reason, in one
 * place. cdk-nag runs on every synth (infra/app.ts) and fails it on a finding not acknowledged here;
 * IAM5 wildcards are acknowledged one by one, by the exact resource or action cdk-nag names, so a new
 * wildcard fails the synth until someone writes down why it is needed.
 */

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

/** Acknowledges each `[finding, reason]` as `AwsSolutions-IAM5[<finding>]` on the role. */
function acknowledgeWildcards(role: IConstruct, findings: [string, string][]): void {
  for (const [finding, reason] of findings) {
    Validations.of(role).acknowledge({ id: `AwsSolutions-IAM5[${finding}]`, reason });
  }
}

// ---------------------------------------------------------------------------------------------------
// The stateful stack

export function acknowledgeStatefulFindings(stack: StatefulStack): void {
  Validations.of(stack.logBucket).acknowledge({
    id: 'AwsSolutions-S1',
    reason: 'This is the access-log bucket itself; logging it into itself would loop.',
  });
  for (const [queue, what] of [
    [stack.schedulerDeadLetterQueue, 'EventBridge Scheduler'],
    [stack.streamFailureQueue, "the table-stream function's on-failure destination"],
  ] as const) {
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: `This queue is itself a dead-letter queue (of ${what}); a DLQ of a DLQ would only move the alarm.`,
    });
  }
  for (const { deadLetterQueue } of Object.values(stack.queues)) {
    // cdk-nag recognises redrive targets, but say it anyway where the intent matters.
    Validations.of(deadLetterQueue).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is the dead-letter queue of a work queue.',
    });
  }
}

// ---------------------------------------------------------------------------------------------------
// The stateless stack

export interface StatelessFindings {
  functions: readonly ServiceFunction[];
  /** Every route of the HTTP API: none has an API Gateway authorizer (their functions authenticate). */
  routes: readonly ServedRoute[];
  dashboard: DashboardSite;
  /** The role of the BucketDeployment that copies web/ into the dashboard bucket. */
  dashboardDeploymentRole: iam.Role;
}

export function acknowledgeStatelessFindings(stack: Stack, findings: StatelessFindings): void {
  for (const fn of findings.functions) acknowledgeFunction(stack, fn);
  for (const served of findings.routes) {
    Validations.of(served.route).acknowledge({
      id: 'AwsSolutions-APIG4',
      reason: ROUTE_AUTH_REASONS[served.auth],
    });
  }
  // The events function's URL has auth type NONE (infra/constructs/function-urls.ts): browsers
  // cannot sign IAM requests, and the function checks the API key itself, as every API function does,
  // before it reads anything of a batch (docs/live-progress.md). No AwsSolutions rule flags a function
  // URL today; this is where its acknowledgement goes if one does.
  acknowledgeDistribution(findings.dashboard);
  acknowledgeDashboardDeployment(stack, findings.dashboardDeploymentRole, findings.dashboard.bucket);
}

/** Why a route has no API Gateway authorizer, by how it authenticates (the route table's `auth`). */
const ROUTE_AUTH_REASONS: Record<RouteAuth, string> = {
  apiKey:
    'The function serving the route authenticates the API key itself (hashed lookup, workspace scoping) and answers 401 in the contract envelope when it is missing, unknown or revoked; a Lambda authorizer would add an invocation and a cold start to every request (docs/architecture.md, "Authentication").',
  provider:
    'Telephony providers cannot send our API keys: the function verifies each callback by the provider signature and refuses forged or replayed ones.',
  none: 'The API description (GET /v1/openapi.json) is public by the contract: it reads no workspace data and is served before any authentication.',
};

/**
 * Each wildcard a function's role holds, acknowledged by name with the reason it is needed;
 * a wildcard not listed here fails the synth.
 */
function acknowledgeFunction(stack: Stack, { name, fn, role, spec, wildcards }: ServiceFunction): void {
  const { access } = spec;
  Validations.of(fn).acknowledge({
    id: 'AwsSolutions-L1',
    reason:
      'Node.js 22 is the runtime the service is built and tested for (DESIGN.md); runtime upgrades are deliberate.',
  });
  const text = (arn: string) => nagText(stack.resolve(arn));
  const isStreamConsumer = STREAM_SOURCES.some((source) => source.function === name);
  const findings: [string, string][] = [
    [
      'Resource::*',
      isStreamConsumer
        ? 'X-Ray PutTraceSegments/PutTelemetryRecords and dynamodb:ListStreams have no resource-level permissions (AWS requires *).'
        : 'X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions (AWS requires *).',
    ],
  ];
  if (wildcards.tableIndexes) {
    findings.push([
      `Resource::${text(wildcards.tableIndexes)}`,
      `Queries on the table's only index (${TABLE.gsi1.name}); CDK's table grant names indexes as index/*.`,
    ]);
  }
  if (wildcards.transcripts) {
    findings.push([
      `Resource::${text(wildcards.transcripts)}`,
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
  if (wildcards.uploads) {
    findings.push([
      `Resource::${text(wildcards.uploads)}`,
      'Uploaded CSVs are keyed per workspace and upload id at run time: the grant is limited to the uploads/ prefix.',
    ]);
    const uploadActions: Record<string, string> =
      access.uploads === 'read'
        ? {
            's3:GetObject*': 'Reads an uploaded CSV back when a batch names it, under uploads/ only.',
            's3:GetBucket*': "CDK's bucket read grant; bucket metadata only, no object data.",
            's3:List*': 'ListBucket makes a missing upload a NoSuchKey (a clear 400) rather than a 403.',
          }
        : {
            's3:Abort*':
              "CDK's put grant (the pre-signed POST carries it); lets an interrupted multipart upload be aborted, under uploads/ only.",
          };
    for (const [action, reason] of Object.entries(uploadActions)) {
      if (!findings.some(([id]) => id === `Action::${action}`)) findings.push([`Action::${action}`, reason]);
    }
  }
  if (wildcards.exports) {
    findings.push([
      `Resource::${text(wildcards.exports)}`,
      'Results exports are keyed per workspace, batch and export at run time: the grant is limited to the exports/ prefix.',
    ]);
    const exportActions: Record<string, string> = {
      's3:GetObject*':
        'Pre-signs the GET of a large results export (the URL carries this right), under exports/ only.',
      's3:GetBucket*': "CDK's bucket read grant; bucket metadata only, no object data.",
      's3:List*': "CDK's bucket read grant; lets a missing export answer NoSuchKey rather than 403.",
      's3:Abort*': "CDK's put grant; lets an interrupted multipart upload be aborted, under exports/ only.",
    };
    for (const [action, reason] of Object.entries(exportActions)) {
      if (!findings.some(([id]) => id === `Action::${action}`)) findings.push([`Action::${action}`, reason]);
    }
  }
  if (wildcards.secrets) {
    findings.push([
      `Resource::${text(wildcards.secrets)}`,
      `Provider credentials are one secret per phone number, created at run time under the stage's batch-calls/<stage>/; nothing outside that prefix (another stage's secrets included).`,
    ]);
  }
  if (wildcards.schedules) {
    findings.push([
      `Resource::${text(wildcards.schedules)}`,
      "One-time start schedules are named per batch at run time; the grant is limited to this stage's schedule group.",
    ]);
  }
  acknowledgeWildcards(role, findings);
}

function acknowledgeDistribution({ distribution, customCertificate }: DashboardSite): void {
  Validations.of(distribution).acknowledge(
    {
      id: 'AwsSolutions-CFR1',
      reason: 'The dashboard is a static page for operators anywhere; the API it calls requires an API key.',
    },
    {
      id: 'AwsSolutions-CFR2',
      reason:
        'Static files only (no origin logic to protect); a WAF web ACL costs a fixed monthly fee. Customers can attach one.',
    },
  );
  if (!customCertificate) {
    Validations.of(distribution).acknowledge({
      id: 'AwsSolutions-CFR4',
      reason:
        'Without a custom domain CloudFront serves its default certificate, whose policy AWS fixes at TLSv1; set dashboardDomainName to get TLSv1.2_2021.',
    });
  }
}

/** The BucketDeployment's handler is CDK's own; its grants are the ones CDK gives it. */
function acknowledgeDashboardDeployment(stack: Stack, role: iam.Role, bucket: s3.IBucket): void {
  const handler = stack.node.children.find((child) =>
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
      `Resource::${nagText(stack.resolve(bucket.arnForObjects('*')))}`,
      'The dashboard bucket holds only web/ and config.json, all written by this deployment.',
    ],
    [
      'Resource::*',
      'CloudFront invalidations after a deployment: CDK grants CreateInvalidation/GetInvalidation on *.',
    ],
  ];
  const assets = assetObjectsArn(stack, role);
  if (assets) {
    reasons.push([
      `Resource::${assets}`,
      "CDK's bootstrap asset bucket, from which the deployment copies the zipped web/ asset.",
    ]);
  }
  acknowledgeWildcards(role, reasons);
}

/** The asset bucket's object ARN as the role's policy names it (set by the stack synthesizer). */
function assetObjectsArn(stack: Stack, role: iam.Role): string | undefined {
  const policy = role.node.tryFindChild('DefaultPolicy');
  if (!(policy instanceof iam.Policy)) return undefined;
  const document = stack.resolve(policy.document) as { Statement?: { Resource?: unknown }[] };
  for (const statement of document.Statement ?? []) {
    const resources = Array.isArray(statement.Resource) ? statement.Resource : [statement.Resource];
    for (const resource of resources) {
      const text = nagText(resource);
      if (/:s3:::cdk-[a-z0-9]+-assets-/.test(text) && text.endsWith('/*')) return text;
    }
  }
  return undefined;
}
