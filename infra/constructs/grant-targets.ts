import { Fn } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { TABLE } from '#shared/adapters/dynamodb/table-definition.ts';
import { statefulExportNames, type StatefulStack } from '#infra/stacks/stateful-stack.ts';

/** The grant targets, seen from the stateless stack: imported by name where a finding must name them. */
export interface GrantTargets {
  table: dynamodb.ITable;
  filesBucket: s3.IBucket;
}

export function importGrantTargets(scope: Construct, stage: string, stateful: StatefulStack): GrantTargets {
  const exportNames = statefulExportNames(stage);
  return {
    table: dynamodb.Table.fromTableAttributes(scope, 'Table', {
      tableArn: Fn.importValue(exportNames.tableArn),
      tableStreamArn: stateful.table.tableStreamArn,
      globalIndexes: [TABLE.gsi1.name],
    }),
    filesBucket: s3.Bucket.fromBucketAttributes(scope, 'FilesBucket', {
      bucketArn: Fn.importValue(exportNames.filesBucketArn),
      bucketName: stateful.filesBucket.bucketName,
    }),
  };
}
