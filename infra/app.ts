import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONFIG_KEYS, DeployConfigError, parseDeployConfig, type DeployConfig } from '#infra/config.ts';
import { StatefulStack } from '#infra/stacks/stateful-stack.ts';
import { StatelessStack } from '#infra/stacks/stateless-stack.ts';

/**
 * The CDK app (`cdk.json`: `npx tsx infra/app.ts`): two stacks per stage, checked by cdk-nag's
 * AwsSolutions pack on every synth (a finding fails it). Tests build the same app through `buildApp`.
 */

export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Behaviour the stacks rely on, pinned here rather than in cdk.json so tests get the same. */
const FEATURE_FLAGS = {
  // Server access logs are allowed by bucket policy; ACL-based delivery would be the legacy default.
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
  '@aws-cdk/aws-cloudfront:defaultSecurityPolicyTLSv1.2_2021': true,
  '@aws-cdk/aws-iam:minimizePolicies': true,
  // The stateless stack imports the stateful one's exports: CloudFormation must refuse to remove an
  // export still in use (the producer-protecting default, stated so the CLI does not warn).
  '@aws-cdk/core:defaultCrossStackReferences': 'strong',
} as const;

export interface BuildAppOptions {
  /** Extra context (tests pass their settings and `aws:cdk:bundling-stacks: []` here). */
  context?: Record<string, unknown>;
  projectRoot?: string;
  outdir?: string;
  /**
   * cdk-nag's AwsSolutions pack runs on every synth and fails it on a finding; only tests that
   * assert template properties (not the nag result) turn it off to stay fast.
   */
  nagChecks?: boolean;
  /** Environment the region/account fall back to (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface BatchCallsApp {
  app: App;
  config: DeployConfig;
  stateful: StatefulStack;
  stateless: StatelessStack;
}

export function stackNames(stage: string): { stateful: string; stateless: string } {
  return { stateful: `batch-calls-${stage}-stateful`, stateless: `batch-calls-${stage}-stateless` };
}

export function buildApp(options: BuildAppOptions = {}): BatchCallsApp {
  const app = new App({
    context: { ...FEATURE_FLAGS, ...options.context },
    ...(options.outdir ? { outdir: options.outdir } : {}),
  });
  const context: Record<string, unknown> = {};
  for (const key of CONFIG_KEYS) context[key] = app.node.tryGetContext(key);
  const config = parseDeployConfig(context, options.env);

  const env = { region: config.region, ...(config.account ? { account: config.account } : {}) };
  const names = stackNames(config.stage);
  const tags = { application: 'batch-calls', stage: config.stage };
  const stateful = new StatefulStack(app, 'Stateful', {
    stackName: names.stateful,
    description: `batch-calls ${config.stage}: table, files bucket, queues, alarm topic`,
    env,
    tags,
    terminationProtection: !config.disposable,
    config,
  });
  const stateless = new StatelessStack(app, 'Stateless', {
    stackName: names.stateless,
    description: `batch-calls ${config.stage}: functions, HTTP API, event sources, schedules, dashboard`,
    env,
    tags,
    config,
    stateful,
    projectRoot: options.projectRoot ?? PROJECT_ROOT,
  });
  stateless.addStackDependency(stateful, 'functions and event sources use the table, bucket and queues');

  if (options.nagChecks !== false) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, config, stateful, stateless };
}

function main(): void {
  try {
    buildApp().app.synth();
  } catch (error) {
    if (error instanceof DeployConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}

const invokedDirectly =
  process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href;
if (invokedDirectly) main();
