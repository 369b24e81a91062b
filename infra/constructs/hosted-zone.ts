import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';

const ID = 'HostedZone';

/** The custom domains' hosted zone, imported once per scope and shared by both alias records. */
export function hostedZone(scope: Construct, zone: { id: string; name: string }): route53.IHostedZone {
  const existing = scope.node.tryFindChild(ID);
  if (existing) return existing as route53.IHostedZone;
  return route53.HostedZone.fromHostedZoneAttributes(scope, ID, {
    hostedZoneId: zone.id,
    zoneName: zone.name,
  });
}
