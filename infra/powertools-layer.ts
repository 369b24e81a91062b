import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';

/**
 * The Powertools for AWS Lambda (TypeScript) layer of the version this project pins in
 * package.json: AWS publishes each version's layer ARN, per Region, as the public SSM parameter
 * `/aws/service/powertools/typescript/generic/all/<version>`, which CloudFormation resolves at
 * deploy time (docs.aws.amazon.com/powertools/typescript/latest/getting-started/lambda-layers).
 * The functions take the Tracer from it (infra/bundling.ts LAYER_PROVIDED_MODULES), the same
 * version as the Logger and Metrics they bundle.
 */
export const POWERTOOLS_VERSION: string = (() => {
  const pkg = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const version = pkg.dependencies['@aws-lambda-powertools/tracer'];
  if (!version || !/^\d+\.\d+\.\d+$/.test(version)) {
    throw new Error(`@aws-lambda-powertools/tracer must be pinned to an exact version in package.json`);
  }
  return version;
})();

export const POWERTOOLS_LAYER_PARAMETER = `/aws/service/powertools/typescript/generic/all/${POWERTOOLS_VERSION}`;

/** The layer, one per stack, for every function of it. */
export function powertoolsLayer(scope: Construct): lambda.ILayerVersion {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild('PowertoolsLayer');
  if (existing) return existing as lambda.ILayerVersion;
  return lambda.LayerVersion.fromLayerVersionArn(
    stack,
    'PowertoolsLayer',
    ssm.StringParameter.valueForStringParameter(stack, POWERTOOLS_LAYER_PARAMETER),
  );
}
