import type { CfnElement, Stack } from 'aws-cdk-lib';
import type { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';

/**
 * Walkers over a synthesized CloudFormation template, shared by the tests in `test/infra/`.
 */

export type Props = Record<string, unknown>;
export interface Resource {
  Type: string;
  Properties?: Props;
  DeletionPolicy?: string;
}

/** Every resource of the template by logical id. */
export const resources = (t: Template) => t.toJSON().Resources as Record<string, Resource>;

/** The `[logicalId, resource]` pairs of one resource type. */
export const ofType = (t: Template, type: string) =>
  Object.entries(resources(t)).filter(([, r]) => r.Type === type);

/** The logical id a construct's default child gets in its stack. */
export const idOf = (stack: Stack, construct: IConstruct) =>
  stack.getLogicalId(construct.node.defaultChild as CfnElement);

/** The properties of the resource with this logical id; throws when there is none. */
export const props = (t: Template, id: string): Props => {
  const r = resources(t)[id];
  if (!r) throw new Error(`no resource ${id}`);
  return r.Properties ?? {};
};
