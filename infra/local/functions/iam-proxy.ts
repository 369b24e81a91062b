import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { FunctionName } from '../../wiring.ts';
import { functionOfAccessKey } from './local-env.ts';
import { LOCAL_ACCOUNT_ID } from '../gateway/http-event.ts';
import { closeServer, listen, readBody } from '../http-helpers.ts';
import { allows, policyOf, type LocalResources, type Request } from './local-iam.ts';

/**
 * An authorizing HTTP proxy in front of one local AWS stand-in (DynamoDB Local, the SQS, S3 and
 * Scheduler emulators). The functions' SDK clients reach the emulators only through it (their
 * AWS_ENDPOINT_URL_*). It reads who signed a request from the access key id in the SigV4
 * `Authorization` header (or a pre-signed URL's X-Amz-Credential), works out the IAM action(s) and
 * resource(s) the request needs — X-Amz-Target and the body for the JSON protocols, method and path
 * for S3 and the Scheduler's REST API — and refuses what the function's policy (local-iam.ts) does
 * not allow, with the service's own AccessDenied error, so the SDK raises what it would raise in AWS.
 * Requests signed by the operator's key (tests, the admin command, the pollers standing in for
 * Lambda's event sources) and unsigned ones (a browser's pre-signed POST, checked by the emulator)
 * pass unchanged. The request is forwarded byte for byte, Host header included, so a signature the
 * emulator verifies (s3rver does) still holds.
 */

export type ProxiedService = 'dynamodb' | 'sqs' | 's3' | 'scheduler';

export interface IamProxy {
  service: ProxiedService;
  url: string;
  close(): Promise<void>;
}

export interface IamProxyOptions {
  service: ProxiedService;
  /** The emulator's endpoint. */
  target: string;
  resources: LocalResources;
  /** Called for every refusal (the local stand-in for CloudTrail's AccessDenied events). */
  onDenied?: (denial: { function: FunctionName; request: Request }) => void;
}

/** The access key id a request was signed with, or null when it is not signed. */
export function accessKeyOf(headers: IncomingMessage['headers'], url: URL): string | null {
  const authorization = headers.authorization;
  const fromHeader = typeof authorization === 'string' ? /Credential=([^/,\s]+)\//.exec(authorization) : null;
  if (fromHeader?.[1]) return fromHeader[1];
  const credential = url.searchParams.get('X-Amz-Credential');
  return credential ? (credential.split('/')[0] ?? null) : null;
}

type Body = Record<string, unknown>;
const str = (value: unknown) => (typeof value === 'string' ? value : '');

function dynamodbRequests(target: string, body: Body): Request[] {
  const [prefix, operation = ''] = target.split('.');
  const table = (name: unknown, index?: unknown) =>
    `table:${str(name)}${typeof index === 'string' ? `/index/${index}` : ''}`;
  if (prefix?.startsWith('DynamoDBStreams')) {
    // Stream ARNs name table/<T>/stream/<label>; the functions' grants name tables and indexes only.
    const arn = str(body.StreamArn) || str(body.ShardIterator);
    return [{ action: `dynamodb:${operation}`, resource: `table:${arn.split(':table/')[1] ?? '*'}` }];
  }
  const items = (body.TransactItems as Array<Record<string, Body>> | undefined) ?? [];
  switch (operation) {
    case 'BatchGetItem':
    case 'BatchWriteItem':
      return Object.keys((body.RequestItems as Body | undefined) ?? {}).map((name) => ({
        action: `dynamodb:${operation}`,
        resource: table(name),
      }));
    case 'TransactWriteItems': {
      // IAM authorizes each part as its own action.
      const actions: Record<string, string> = {
        Put: 'PutItem',
        Update: 'UpdateItem',
        Delete: 'DeleteItem',
        ConditionCheck: 'ConditionCheckItem',
      };
      return items.flatMap((item) =>
        Object.entries(item).map(([kind, part]) => ({
          action: `dynamodb:${actions[kind] ?? kind}`,
          resource: table(part.TableName),
        })),
      );
    }
    case 'TransactGetItems':
      return items.map((item) => ({ action: 'dynamodb:GetItem', resource: table(item.Get?.TableName) }));
    default:
      return [{ action: `dynamodb:${operation}`, resource: table(body.TableName ?? '*', body.IndexName) }];
  }
}

function sqsRequests(target: string, body: Body): Request[] {
  const operation = target.split('.')[1] ?? '';
  const action = operation === 'SendMessageBatch' ? 'SendMessage' : operation;
  const name = str(body.QueueUrl).split('/').pop() || str(body.QueueName) || '*';
  return [{ action: `sqs:${action}`, resource: `queue:${name}` }];
}

function s3Requests(method: string, url: URL): Request[] {
  const [, bucket = '', ...rest] = url.pathname.split('/');
  const key = decodeURIComponent(rest.join('/'));
  const query = url.searchParams;
  if (!key) {
    const bucketAction =
      method === 'GET' || method === 'HEAD'
        ? 's3:ListBucket'
        : method === 'POST' && query.has('delete')
          ? 's3:DeleteObject'
          : method === 'PUT'
            ? 's3:CreateBucket'
            : method === 'DELETE'
              ? 's3:DeleteBucket'
              : `s3:${method}Bucket`;
    return [{ action: bucketAction, resource: `bucket:${bucket}` }];
  }
  const objectAction =
    method === 'GET' || method === 'HEAD'
      ? 's3:GetObject'
      : method === 'DELETE' && query.has('uploadId')
        ? 's3:AbortMultipartUpload'
        : method === 'DELETE'
          ? 's3:DeleteObject'
          : 's3:PutObject'; // PUT, and POST for multipart uploads
  return [{ action: objectAction, resource: `object:${bucket}/${key}` }];
}

function schedulerRequests(method: string, url: URL, body: Body): Request[] {
  const [, collection = '', name = ''] = url.pathname.split('/').map(decodeURIComponent);
  if (collection !== 'schedules') return [{ action: `scheduler:${method}${collection}`, resource: '*' }];
  if (!name) return [{ action: 'scheduler:ListSchedules', resource: '*' }];
  const group = str(body.GroupName) || url.searchParams.get('groupName') || 'default';
  const verbs: Record<string, string> = { POST: 'Create', PUT: 'Update', DELETE: 'Delete', GET: 'Get' };
  return [{ action: `scheduler:${verbs[method] ?? method}Schedule`, resource: `schedule:${group}/${name}` }];
}

function requestsOf(service: ProxiedService, req: IncomingMessage, url: URL, raw: Buffer): Request[] {
  const method = req.method ?? 'GET';
  const json = (): Body => {
    try {
      return raw.length ? (JSON.parse(raw.toString('utf8')) as Body) : {};
    } catch {
      return {};
    }
  };
  const target = str(req.headers['x-amz-target']);
  switch (service) {
    case 'dynamodb':
      return dynamodbRequests(target, json());
    case 'sqs':
      return sqsRequests(target, json());
    case 's3':
      return s3Requests(method, url);
    case 'scheduler':
      return schedulerRequests(method, url, json());
  }
}

/** What the caller of a real service sees when IAM refuses: each protocol's AccessDenied. */
function deny(service: ProxiedService, res: ServerResponse, name: FunctionName, request: Request): void {
  const requestId = randomUUID();
  const message =
    `User: arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/batch-calls-local-${name}/${name} is not authorized ` +
    `to perform: ${request.action} on resource: ${request.resource} because no identity-based policy allows ` +
    `the ${request.action} action (local mode; see infra/wiring.ts FUNCTIONS.${name}.access)`;
  switch (service) {
    case 'dynamodb':
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-requestid': requestId });
      res.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', Message: message }));
      return;
    case 'sqs':
      res.writeHead(403, {
        'content-type': 'application/x-amz-json-1.0',
        'x-amzn-requestid': requestId,
        'x-amzn-query-error': 'AccessDenied;Sender',
      });
      res.end(JSON.stringify({ __type: 'com.amazon.coral.service#AccessDeniedException', message }));
      return;
    case 's3':
      res.writeHead(403, { 'content-type': 'application/xml', 'x-amz-request-id': requestId });
      res.end(
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code><Message>${escapeXml(message)}</Message><RequestId>${requestId}</RequestId></Error>`,
      );
      return;
    case 'scheduler':
      res.writeHead(403, {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': 'AccessDeniedException',
      });
      res.end(JSON.stringify({ Message: message }));
      return;
  }
}

function escapeXml(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export async function startIamProxy(options: IamProxyOptions): Promise<IamProxy> {
  const target = new URL(options.target);
  const policies = new Map<FunctionName, ReturnType<typeof policyOf>>();
  const policyFor = (name: FunctionName) => {
    let policy = policies.get(name);
    if (!policy) policies.set(name, (policy = policyOf(name, options.resources)));
    return policy;
  };

  const forward = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    const upstream = httpRequest(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', (error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`local ${options.service} is unreachable: ${error.message}`);
    });
    upstream.end(raw);
  };

  const server = createServer((req, res) => {
    readBody(req, Infinity).then(
      (raw) => {
        if (raw === 'aborted' || raw === 'too_large') {
          res.destroy();
          return;
        }
        const url = new URL(req.url ?? '/', 'http://local');
        const key = accessKeyOf(req.headers, url);
        const name = key ? functionOfAccessKey(key) : null;
        if (name) {
          const refused = requestsOf(options.service, req, url, raw).find(
            (request) => !allows(policyFor(name), request),
          );
          if (refused) {
            options.onDenied?.({ function: name, request: refused });
            deny(options.service, res, name, refused);
            return;
          }
        }
        forward(req, res, raw);
      },
      () => res.destroy(),
    );
  });
  // Node's own 5 s keep-alive (close() ends every connection itself, closeServer): a shorter one closed
  // idle connections while a client could still pick one for its next request, which then failed
  // with ECONNRESET (seen once by a test's upload POST through the S3 proxy).
  server.keepAliveTimeout = 5_000;
  const { url } = await listen(server, 0, '127.0.0.1');
  return {
    service: options.service,
    url,
    close: () => closeServer(server),
  };
}
