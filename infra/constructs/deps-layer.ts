import { AssetHashType, DockerImage, Stack } from 'aws-cdk-lib';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import type { Construct } from 'constructs';
import { buildDepsLayer, LAYER_PACKAGE } from '#infra/deps-layer.ts';

/**
 * The dependencies layer (infra/deps-layer.ts), one per stack, for every function of it: built
 * during synthesis from the project's lockfile, as the function bundles are. The asset is named by
 * a hash of what was built, so the same lockfile deploys no new layer version.
 */
export function depsLayer(scope: Construct, projectRoot: string): lambda.ILayerVersion {
  const stack = Stack.of(scope);
  const existing = stack.node.tryFindChild('DepsLayer');
  if (existing) return existing as lambda.ILayerVersion;
  return new lambda.LayerVersion(stack, 'DepsLayer', {
    description: `batch-calls ${LAYER_PACKAGE}: the AWS SDK clients and the Powertools Tracer of package-lock.json`,
    compatibleRuntimes: [lambda.Runtime.NODEJS_22_X],
    compatibleArchitectures: [lambda.Architecture.ARM_64],
    code: lambda.Code.fromAsset(projectRoot, {
      assetHashType: AssetHashType.OUTPUT,
      bundling: {
        // esbuild runs here (local bundling), as it does for the functions; no container is used.
        image: DockerImage.fromRegistry('public.ecr.aws/sam/build-nodejs22.x'),
        local: {
          tryBundle(outputDir: string) {
            buildDepsLayer(projectRoot, outputDir);
            return true;
          },
        },
      },
    }),
  });
}
