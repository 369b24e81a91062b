import { FUNCTIONS, LOCAL_STAGE, secretsPrefix, type FunctionName, type QueueName } from '../../wiring.ts';

/**
 * What each function may do locally, derived from its `access` in infra/wiring.ts with the action
 * lists the CDK grants of infra/constructs/service-function.ts produce (test/infra/stacks.test.ts checks
 * them against the synthesized policies). The authorizing proxies (iam-proxy.ts) ask `allows` for
 * every request a function signs, so an action the stack would not grant fails locally too.
 */

/** `queue.grantSendMessages`. */
export const QUEUE_SEND_ACTIONS = ['sqs:SendMessage', 'sqs:GetQueueAttributes', 'sqs:GetQueueUrl'] as const;
/** `bucket.grantRead(role, prefix)`: object reads under the prefix, bucket reads and lists. */
export const OBJECT_READ_ACTIONS = ['s3:GetObject*', 's3:GetBucket*', 's3:List*'] as const;
/** `bucket.grantPut(role, prefix)`. */
export const OBJECT_PUT_ACTIONS = [
  's3:PutObject',
  's3:PutObjectLegalHold',
  's3:PutObjectRetention',
  's3:PutObjectTagging',
  's3:PutObjectVersionTagging',
  's3:Abort*',
] as const;
/** SECRET_ACTIONS and SCHEDULE_ACTIONS of infra/constructs/service-function.ts. */
export const SECRET_READ_ACTIONS = ['secretsmanager:GetSecretValue'] as const;
export const SECRET_WRITE_ACTIONS = [
  'secretsmanager:CreateSecret',
  'secretsmanager:PutSecretValue',
  'secretsmanager:DeleteSecret',
] as const;
export const SCHEDULE_ACTIONS = ['scheduler:CreateSchedule', 'scheduler:DeleteSchedule'] as const;

/** Where the grants point locally. */
export interface LocalResources {
  tableName: string;
  queueNames: Record<QueueName, string>;
  bucket: string;
  /** Key prefixes of the files bucket (FILES_PREFIX). */
  prefixes: { transcripts: string; uploads: string; exports: string };
  scheduleGroup: string;
}

/** One request as the proxies see it: an IAM action on a resource. */
export interface Request {
  action: string;
  /** table:<name>, queue:<name>, object:<bucket>/<key>, bucket:<bucket>, schedule:<group>/<name> */
  resource: string;
}

interface Statement {
  actions: readonly string[];
  /** Resource patterns; `*` matches any run of characters. */
  resources: string[];
}

export function policyOf(name: FunctionName, r: LocalResources): Statement[] {
  const { access } = FUNCTIONS[name];
  const statements: Statement[] = [];
  // The table actions the wiring lists; a Query also on its indexes (index/*), locally named
  // table:<name>/index/<i>.
  if (access.table?.length) {
    const actions = access.table.map((action) => `dynamodb:${action}`);
    statements.push({ actions, resources: [`table:${r.tableName}`] });
    if (access.table.includes('Query')) {
      statements.push({ actions: ['dynamodb:Query'], resources: [`table:${r.tableName}/index/*`] });
    }
  }
  for (const queue of access.sendTo ?? []) {
    statements.push({ actions: QUEUE_SEND_ACTIONS, resources: [`queue:${r.queueNames[queue]}`] });
  }
  const objects = (prefix: string) => [`bucket:${r.bucket}`, `object:${r.bucket}/${prefix}*`];
  if (access.transcripts === 'read') {
    statements.push({ actions: OBJECT_READ_ACTIONS, resources: objects(r.prefixes.transcripts) });
  }
  if (access.transcripts === 'write') {
    statements.push({ actions: OBJECT_PUT_ACTIONS, resources: objects(r.prefixes.transcripts) });
  }
  // `sign`: the pre-signed POST carries the signer's put right; `read`: reads an upload back.
  if (access.uploads === 'read') {
    statements.push({ actions: OBJECT_READ_ACTIONS, resources: objects(r.prefixes.uploads) });
  }
  if (access.uploads === 'sign') {
    statements.push({ actions: OBJECT_PUT_ACTIONS, resources: objects(r.prefixes.uploads) });
  }
  if (access.exports) {
    // Puts the file; the pre-signed GET carries the signer's read right.
    statements.push({ actions: OBJECT_READ_ACTIONS, resources: objects(r.prefixes.exports) });
    statements.push({ actions: OBJECT_PUT_ACTIONS, resources: objects(r.prefixes.exports) });
  }
  if (access.secrets) {
    const actions =
      access.secrets === 'read' ? SECRET_READ_ACTIONS : [...SECRET_READ_ACTIONS, ...SECRET_WRITE_ACTIONS];
    statements.push({ actions, resources: [`secret:${secretsPrefix(LOCAL_STAGE)}*`] });
  }
  if (access.scheduler) {
    statements.push({ actions: SCHEDULE_ACTIONS, resources: [`schedule:${r.scheduleGroup}/*`] });
  }
  return statements;
}

function matches(pattern: string, value: string): boolean {
  const regex = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`);
  return regex.test(value);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** IAM's rule, without denies (the stack has none): allowed when some statement allows it. */
export function allows(policy: Statement[], request: Request): boolean {
  return policy.some(
    (statement) =>
      statement.actions.some((action) => matches(action, request.action)) &&
      statement.resources.some((resource) => matches(resource, request.resource)),
  );
}
