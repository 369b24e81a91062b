import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { afterAll, expect, it } from 'vitest';
import { buildApp } from '#infra/app.ts';

/**
 * `cdk synth` with cdk-nag's AwsSolutions pack, as `npm run synth` runs it (bundling skipped: the
 * checks read the templates, not the code). A finding without an acknowledgement fails the synth.
 */

const outdirs: string[] = [];
afterAll(() => {
  for (const dir of outdirs) rmSync(dir, { recursive: true, force: true });
});

function synth(context: Record<string, unknown>): { error: unknown; report: string | null } {
  const outdir = mkdtempSync(join(tmpdir(), 'batch-calls-nag-'));
  outdirs.push(outdir);
  const { app } = buildApp({
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true, ...context },
    outdir,
    env: {},
  });
  let error: unknown = null;
  try {
    app.synth();
  } catch (e) {
    error = e;
  }
  const reportFile = join(outdir, 'validation-report.json');
  return { error, report: existsSync(reportFile) ? readFileSync(reportFile, 'utf8') : null };
}

it('synthesizes with zero unacknowledged AwsSolutions findings (default domain, no alarm email)', () => {
  const { error, report } = synth({ region: 'eu-west-1' });
  // On failure the report lists each finding; show it rather than a bare "validation failed".
  expect(error === null ? null : (report ?? String(error))).toBeNull();
});

it('synthesizes clean with custom domains, a hosted zone and an alarm email too', () => {
  const { error, report } = synth({
    region: 'eu-west-1',
    account: '123456789012',
    stage: 'staging',
    apiDomainName: 'api.calls.example.com',
    apiCertificateArn: 'arn:aws:acm:eu-west-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
    dashboardDomainName: 'calls.example.com',
    dashboardCertificateArn:
      'arn:aws:acm:us-east-1:123456789012:certificate/12345678-1234-1234-1234-123456789012',
    hostedZoneId: 'Z0123456789ABCDEFGHIJ',
    hostedZoneName: 'calls.example.com',
    alarmEmail: 'ops@example.com',
  });
  expect(error === null ? null : (report ?? String(error))).toBeNull();
});

it('fails the synth on a finding that nobody acknowledged', () => {
  const outdir = mkdtempSync(join(tmpdir(), 'batch-calls-nag-'));
  outdirs.push(outdir);
  const { app, stateful } = buildApp({
    context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-asset-staging': true, region: 'eu-west-1' },
    outdir,
    env: {},
  });
  // A queue without SSL enforcement or a DLQ: AwsSolutions-SQS3/SQS4 must stop the synth.
  new sqs.Queue(stateful, 'Unchecked', {});
  expect(() => app.synth()).toThrow();
  expect(readFileSync(join(outdir, 'validation-report.json'), 'utf8')).toMatch(/AwsSolutions-SQS4/);
});
