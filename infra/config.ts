import { z } from 'zod';
import { API_KEY_CACHE_SECONDS } from '#shared/config/runtime-config.ts';
import type { QueueName } from './wiring.ts';

/**
 * The deployment's settings, read from CDK context (`cdk.json` or `-c key=value`) and validated at
 * synth time, so a typo fails `cdk synth` with the field's name instead of deploying something else.
 * `-c` values arrive as strings: numbers are coerced.
 */

/** Stages whose data may be deleted with the stack; every other stage keeps it (RETAIN). */
const DISPOSABLE_STAGES = new Set(['dev']);

const ACCOUNT = /^\d{12}$/;
const REGION = /^[a-z]{2}(-gov|-iso[a-z]*)?-[a-z]+-\d$/;
const DOMAIN = /^(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const ACM_ARN = /^arn:aws[a-z-]*:acm:([a-z0-9-]+):\d{12}:certificate\/[0-9a-f-]{36}$/;

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS: readonly number[] = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
];

const optionalText = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' || v === null ? undefined : v), schema.optional());

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

const schema = z
  .object({
    stage: z
      .string()
      .regex(
        /^[a-z][a-z0-9-]{0,14}$/,
        'lowercase letters, digits and "-", starting with a letter, at most 15',
      )
      .default('prod'),
    account: optionalText(z.string().regex(ACCOUNT, 'a 12-digit AWS account id')),
    region: optionalText(z.string().regex(REGION, 'an AWS region such as eu-west-1')),
    /** HTTP API stage throttling (requests per second, steady and burst). */
    apiRateLimit: int(1, 10_000).default(50),
    apiBurstLimit: int(1, 5_000).default(100),
    /**
     * The provider callback route's own throttle, apart from the API's: 10,000 concurrent calls of a
     * minute each start 167 calls a second, and each call sends its provider's few callbacks
     * (docs/capacity.md). Defaults leave room for that twice over.
     */
    callbackRateLimit: int(1, 10_000).default(2_000),
    callbackBurstLimit: int(1, 5_000).default(4_000),
    /**
     * Lambda's maximum concurrency of the dial and webhook queue consumers (2–1000). A dial takes
     * well under a second, 10 messages an invocation side by side: 25 dial invocations place more
     * than the 167 calls a second of 10,000 concurrent minute-long calls. Webhooks wait on customers'
     * endpoints (up to 10 s each), so they get more.
     */
    dialConcurrency: int(2, 1_000).default(25),
    webhookConcurrency: int(2, 1_000).default(50),
    /** CloudWatch Logs retention of the functions' and the API's logs (a value CloudWatch accepts). */
    logRetentionDays: z.coerce
      .number()
      .refine((d) => LOG_RETENTION_DAYS.includes(d), `one of ${LOG_RETENTION_DAYS.join(', ')}`)
      .default(30),
    /**
     * Days a finished batch (and everything it left: recipients, deliveries, transcripts) is kept
     * before DynamoDB's TTL and S3's lifecycle remove it (docs/deploy.md, "Retention").
     */
    retentionDays: int(1, 3650).default(90),
    /** How long each API function keeps a key lookup in memory (the delay before a revocation holds). */
    authCacheTtlSeconds: int(0, 3600).default(API_KEY_CACHE_SECONDS),
    /** Optional custom domain of the API (and so of the providers' callback URLs). */
    apiDomainName: optionalText(
      z.string().toLowerCase().regex(DOMAIN, 'a domain name such as api.example.com'),
    ),
    /** ACM certificate for apiDomainName, in the stack's region. */
    apiCertificateArn: optionalText(z.string().regex(ACM_ARN, 'an ACM certificate ARN')),
    /** Optional custom domain of the dashboard (CloudFront). */
    dashboardDomainName: optionalText(
      z.string().toLowerCase().regex(DOMAIN, 'a domain name such as calls.example.com'),
    ),
    /** ACM certificate for dashboardDomainName; CloudFront only accepts certificates in us-east-1. */
    dashboardCertificateArn: optionalText(z.string().regex(ACM_ARN, 'an ACM certificate ARN')),
    /** Route 53 hosted zone of the custom domains: when set, the alias records are created too. */
    hostedZoneId: optionalText(z.string().regex(/^Z[A-Z0-9]{1,31}$/, 'a Route 53 hosted zone id')),
    hostedZoneName: optionalText(z.string().toLowerCase().regex(DOMAIN, 'the hosted zone domain name')),
    /** Alarm notifications go to this address (subscription to confirm by email). */
    alarmEmail: optionalText(z.string().email('an email address')),
    /**
     * Powertools Tracer in every function, from the dependencies layer (docs/deploy.md, "Tracing"):
     * SDK calls as subsegments, for 10–20 ms more per cold start. `-c tracer=false` leaves X-Ray's
     * active tracing alone (invocations, init, the service map) and loads no Tracer.
     */
    tracer: z
      .union([z.boolean(), z.enum(['true', 'false'])])
      .transform((v) => v === true || v === 'true')
      .default(true),
  })
  .superRefine((c, ctx) => {
    const pair = (a: keyof typeof c, b: keyof typeof c) => {
      if ((c[a] === undefined) !== (c[b] === undefined)) {
        ctx.addIssue({
          code: 'custom',
          path: [c[a] === undefined ? a : b],
          message: `required with ${c[a] === undefined ? b : a}`,
        });
      }
    };
    pair('apiDomainName', 'apiCertificateArn');
    pair('dashboardDomainName', 'dashboardCertificateArn');
    pair('hostedZoneId', 'hostedZoneName');
    const certRegion = (arn: string | undefined) => (arn ? ACM_ARN.exec(arn)?.[1] : undefined);
    if (c.dashboardCertificateArn && certRegion(c.dashboardCertificateArn) !== 'us-east-1') {
      ctx.addIssue({
        code: 'custom',
        path: ['dashboardCertificateArn'],
        message: 'CloudFront needs a certificate in us-east-1',
      });
    }
    if (c.apiCertificateArn && c.region && certRegion(c.apiCertificateArn) !== c.region) {
      ctx.addIssue({
        code: 'custom',
        path: ['apiCertificateArn'],
        message: `must be a certificate in ${c.region}`,
      });
    }
    if (c.apiBurstLimit < c.apiRateLimit) {
      ctx.addIssue({ code: 'custom', path: ['apiBurstLimit'], message: 'must be at least apiRateLimit' });
    }
    if (c.callbackBurstLimit < Math.min(c.callbackRateLimit, 5_000)) {
      ctx.addIssue({
        code: 'custom',
        path: ['callbackBurstLimit'],
        message: 'must be at least callbackRateLimit (or 5,000)',
      });
    }
    for (const field of ['apiDomainName', 'dashboardDomainName'] as const) {
      const domain = c[field];
      if (
        domain &&
        c.hostedZoneName &&
        domain !== c.hostedZoneName &&
        !domain.endsWith(`.${c.hostedZoneName}`)
      ) {
        ctx.addIssue({
          code: 'custom',
          path: [field],
          message: `is not inside hostedZoneName ${c.hostedZoneName}`,
        });
      }
    }
  });

export interface CustomDomain {
  domainName: string;
  certificateArn: string;
}

export interface DeployConfig {
  stage: string;
  account: string | undefined;
  region: string;
  /** True for stages whose table, buckets and queues are deleted with the stack. */
  disposable: boolean;
  limits: {
    apiRateLimit: number;
    apiBurstLimit: number;
    logRetentionDays: number;
    authCacheTtlSeconds: number;
    callbackRateLimit: number;
    callbackBurstLimit: number;
  };
  /** Days a finished batch is kept (DynamoDB TTL and S3 lifecycle). */
  retentionDays: number;
  /** Maximum concurrency of each queue consumer (Lambda's SQS scaling config). */
  queueConcurrency: Record<QueueName, number>;
  apiDomain: CustomDomain | null;
  dashboardDomain: CustomDomain | null;
  hostedZone: { id: string; name: string } | null;
  alarmEmail: string | null;
  /** Powertools Tracer in every function (the layer and POWERTOOLS_TRACE_ENABLED). */
  tracer: boolean;
}

/** The context keys read; anything else in context is CDK's own business. */
export const CONFIG_KEYS = Object.keys(schema.shape) as readonly string[];

export class DeployConfigError extends Error {
  override name = 'DeployConfigError';
}

/**
 * Validates the context. `region` falls back to the CLI's default region (CDK_DEFAULT_REGION, which
 * the CLI sets, us-east-1 without any AWS configuration) and `account` to CDK_DEFAULT_ACCOUNT (unset
 * without credentials: the template then stays account-agnostic, which is enough to synth).
 */
export function parseDeployConfig(
  context: Record<string, unknown>,
  env: NodeJS.ProcessEnv = process.env,
): DeployConfig {
  const raw: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) raw[key] = context[key];
  raw.account ??= env.CDK_DEFAULT_ACCOUNT;
  raw.region ??= env.CDK_DEFAULT_REGION;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(context)'}: ${i.message}`);
    throw new DeployConfigError(
      `Invalid CDK context (cdk.json "context" or -c key=value):\n${lines.join('\n')}`,
    );
  }
  const c = parsed.data;
  if (!c.region) {
    throw new DeployConfigError(
      'Invalid CDK context: region is required (-c region=eu-west-1, or AWS_REGION)',
    );
  }
  return {
    stage: c.stage,
    account: c.account,
    region: c.region,
    disposable: DISPOSABLE_STAGES.has(c.stage),
    limits: {
      apiRateLimit: c.apiRateLimit,
      apiBurstLimit: c.apiBurstLimit,
      logRetentionDays: c.logRetentionDays,
      authCacheTtlSeconds: c.authCacheTtlSeconds,
      callbackRateLimit: c.callbackRateLimit,
      callbackBurstLimit: c.callbackBurstLimit,
    },
    retentionDays: c.retentionDays,
    queueConcurrency: { dial: c.dialConcurrency, webhook: c.webhookConcurrency },
    apiDomain:
      c.apiDomainName && c.apiCertificateArn
        ? { domainName: c.apiDomainName, certificateArn: c.apiCertificateArn }
        : null,
    dashboardDomain:
      c.dashboardDomainName && c.dashboardCertificateArn
        ? { domainName: c.dashboardDomainName, certificateArn: c.dashboardCertificateArn }
        : null,
    hostedZone: c.hostedZoneId && c.hostedZoneName ? { id: c.hostedZoneId, name: c.hostedZoneName } : null,
    alarmEmail: c.alarmEmail ?? null,
    tracer: c.tracer,
  };
}
