import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as cloudfront from 'aws-cdk-lib/aws-cloudfront';
import * as origins from 'aws-cdk-lib/aws-cloudfront-origins';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53Targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as s3deploy from 'aws-cdk-lib/aws-s3-deployment';
import type { Construct } from 'constructs';
import type { DeployConfig } from '#infra/config.ts';
import {
  DASHBOARD_FRAME_OPTIONS,
  DASHBOARD_REFERRER_POLICY,
  dashboardContentSecurityPolicy,
} from '#infra/dashboard-headers.ts';
import { LOG_PREFIX, type StatefulStack } from '#infra/stacks/stateful-stack.ts';
import { hostedZone } from './hosted-zone.ts';

/**
 * The dashboard's hosting in two steps, because the API's CORS needs the dashboard's address and the
 * dashboard's config.json needs the API's: `dashboardSite` creates the private bucket, the security
 * headers and the CloudFront distribution (and its alias); `deployDashboard` copies web/ and
 * config.json into the bucket with a BucketDeployment.
 */

/** What the dashboard build produces; synth refuses to deploy a dashboard without it. */
const WEB_BUNDLE = 'dist/app.js';
/** web/ files that are not served: sources, build config, and the local-mode config.json. */
const WEB_EXCLUDES = ['src', 'src/*', 'src/**', 'tsconfig.json', '.gitignore', 'config.json'];

export interface DashboardSite {
  bucket: s3.Bucket;
  distribution: cloudfront.Distribution;
  /** A custom domain's certificate is attached (TLSv1.2_2021); otherwise CloudFront's default one. */
  customCertificate: boolean;
  /** https://<custom domain or CloudFront domain> */
  url: string;
}

export function dashboardSite(
  scope: Construct,
  config: DeployConfig,
  stateful: StatefulStack,
): DashboardSite {
  const bucket = new s3.Bucket(scope, 'DashboardBucket', {
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
    ? acm.Certificate.fromCertificateArn(scope, 'DashboardCertificate', config.dashboardDomain.certificateArn)
    : undefined;
  const distribution = new cloudfront.Distribution(scope, 'Dashboard', {
    comment: `batch-calls ${config.stage} dashboard`,
    defaultRootObject: 'index.html',
    defaultBehavior: {
      origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: dashboardHeaders(scope, config, stateful),
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

  if (config.dashboardDomain && config.hostedZone) {
    new route53.ARecord(scope, 'DashboardAlias', {
      zone: hostedZone(scope, config.hostedZone),
      recordName: config.dashboardDomain.domainName,
      target: route53.RecordTarget.fromAlias(new route53Targets.CloudFrontTarget(distribution)),
    });
  }
  const url = `https://${config.dashboardDomain?.domainName ?? distribution.distributionDomainName}`;
  return { bucket, distribution, customCertificate: certificate !== undefined, url };
}

/**
 * The dashboard's security headers (infra/dashboard-headers.ts, which the local gateway sends too),
 * plus HSTS, which only means something over https.
 */
function dashboardHeaders(
  scope: Construct,
  config: DeployConfig,
  stateful: StatefulStack,
): cloudfront.ResponseHeadersPolicy {
  const { region, urlSuffix } = Stack.of(scope);
  // The API: its custom domain when there is one. Otherwise its execute-api host cannot be named
  // here: the API's CORS names this distribution's domain, so the distribution naming the API back
  // would be a dependency cycle; any execute-api host of the region is allowed instead.
  const api = config.apiDomain
    ? `https://${config.apiDomain.domainName}`
    : `https://*.execute-api.${region}.${urlSuffix}`;
  // Where the pre-signed CSV POST goes: the files bucket's virtual-hosted regional endpoint, the
  // form of URL the SDK's createPresignedPost gives.
  const uploads = `https://${stateful.filesBucket.bucketName}.s3.${region}.${urlSuffix}`;
  // The live progress stream's function URL: named by a wildcard for the same reason as the API's.
  const functionUrls = `https://*.lambda-url.${region}.on.aws`;
  return new cloudfront.ResponseHeadersPolicy(scope, 'DashboardHeaders', {
    comment: 'batch-calls dashboard: CSP, no framing, no referrer, nosniff, HSTS',
    securityHeadersBehavior: {
      contentSecurityPolicy: {
        contentSecurityPolicy: dashboardContentSecurityPolicy([api, uploads, functionUrls]),
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

export interface DashboardDeploymentProps {
  site: DashboardSite;
  /** The repository root: web/ is resolved from here. */
  projectRoot: string;
  /** Written into the served config.json: the dashboard reads the API's address from it. */
  apiBaseUrl: string;
  /** The events function's URL (live progress streams), also written into config.json. */
  eventsBaseUrl: string;
  logRetention: logs.RetentionDays;
}

/** Copies the built web/ and config.json into the bucket and invalidates the distribution. */
export function deployDashboard(
  scope: Construct,
  { site, projectRoot, apiBaseUrl, eventsBaseUrl, logRetention }: DashboardDeploymentProps,
): { role: iam.Role } {
  // The dashboard reads the API's address from /config.json (served from the same origin).
  const webRoot = join(projectRoot, 'web');
  if (Stack.of(scope).bundlingRequired && !existsSync(join(webRoot, WEB_BUNDLE))) {
    throw new Error(`The dashboard is not built: web/${WEB_BUNDLE} is missing (run npm run build:web).`);
  }
  const role = new iam.Role(scope, 'DashboardDeploymentRole', {
    assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
    description: 'Copies web/ and config.json into the dashboard bucket',
  });
  const deploymentLogs = new logs.LogGroup(scope, 'DashboardDeploymentLogs', {
    retention: logRetention,
    removalPolicy: RemovalPolicy.DESTROY,
  });
  deploymentLogs.grantWrite(role);
  new s3deploy.BucketDeployment(scope, 'DashboardDeployment', {
    sources: [
      // The built dashboard only: its sources and the local config.json stay behind.
      s3deploy.Source.asset(webRoot, { exclude: WEB_EXCLUDES }),
      s3deploy.Source.jsonData('config.json', { apiBaseUrl, eventsBaseUrl }),
    ],
    destinationBucket: site.bucket,
    distribution: site.distribution,
    distributionPaths: ['/*'],
    // Deleting the stack empties the bucket first, so that the bucket itself can go.
    retainOnDelete: false,
    role,
    logGroup: deploymentLogs,
  });
  return { role };
}
