import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../../gateway/http-event.ts';
import { describeError, readBody, sendJson } from '../../http-helpers.ts';
import { scheduleKey, type StoredSchedule } from './schedule-file.ts';
import {
  parseScheduleDefinition,
  SchedulerValidationError,
  validateGroupName,
  validateScheduleName,
  type ScheduleDefinition,
} from './schedule-input.ts';

/**
 * The API half of the local EventBridge Scheduler: its restJson1 operations (CreateSchedule,
 * GetSchedule, UpdateSchedule, DeleteSchedule, ListSchedules) as the real @aws-sdk/client-scheduler
 * sends them, answering with the service's shapes and its errors (type in `x-amzn-errortype`).
 */

export interface ScheduleApiOptions {
  schedules: Map<string, StoredSchedule>;
  /** Schedule groups that exist (`default` included). */
  groups: Set<string>;
  persist(): Promise<void>;
  /** Called after a schedule was created, replaced or deleted. */
  changed(): void;
  log(message: string): void;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** The request listener of the emulator's HTTP server. */
export function createScheduleApi(
  options: ScheduleApiOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { schedules, groups, persist, changed, log } = options;

  function store(
    name: string,
    definition: ScheduleDefinition,
    existing: StoredSchedule | null,
  ): StoredSchedule {
    const now = Date.now();
    const schedule: StoredSchedule = {
      ...definition,
      name,
      arn: `arn:aws:scheduler:${LOCAL_REGION}:${LOCAL_ACCOUNT_ID}:schedule/${definition.groupName}/${name}`,
      creationDate: existing?.creationDate ?? now,
      lastModificationDate: now,
      attempts: 0,
      nextAttemptAt: null,
      completed: false,
    };
    schedules.set(scheduleKey(definition.groupName, name), schedule);
    return schedule;
  }

  function requireGroup(groupName: string): void {
    if (!groups.has(groupName))
      throw new ApiError(404, 'ResourceNotFoundException', `Schedule group ${groupName} does not exist.`);
  }

  function find(name: string, groupName: string): StoredSchedule {
    const schedule = schedules.get(scheduleKey(groupName, name));
    if (!schedule) throw new ApiError(404, 'ResourceNotFoundException', `Schedule ${name} does not exist.`);
    return schedule;
  }

  async function route(method: string, url: URL, body: unknown): Promise<unknown> {
    const segments = url.pathname.split('/').filter((s) => s !== '');
    if (segments[0] !== 'schedules' || segments.length > 2) {
      throw new ApiError(404, 'UnknownOperationException', `No operation at ${method} ${url.pathname}`);
    }
    if (segments.length === 1) {
      if (method !== 'GET')
        throw new ApiError(404, 'UnknownOperationException', `No operation at ${method} /schedules`);
      return list(url.searchParams);
    }
    const name = validateScheduleName(decodeURIComponent(segments[1] ?? ''));
    switch (method) {
      case 'POST': {
        const definition = parseScheduleDefinition(body);
        requireGroup(definition.groupName);
        if (schedules.has(scheduleKey(definition.groupName, name))) {
          throw new ApiError(409, 'ConflictException', `Schedule ${name} already exists.`);
        }
        const created = store(name, definition, null);
        await persist();
        changed();
        return { ScheduleArn: created.arn };
      }
      case 'PUT': {
        const definition = parseScheduleDefinition(body);
        const existing = find(name, definition.groupName);
        const updated = store(name, definition, existing);
        await persist();
        changed();
        return { ScheduleArn: updated.arn };
      }
      case 'GET':
        return describeSchedule(
          find(name, validateGroupName(url.searchParams.get('groupName') ?? undefined, 'groupName')),
        );
      case 'DELETE': {
        const schedule = find(
          name,
          validateGroupName(url.searchParams.get('groupName') ?? undefined, 'groupName'),
        );
        schedules.delete(scheduleKey(schedule.groupName, schedule.name));
        await persist();
        changed();
        return {};
      }
      default:
        throw new ApiError(404, 'UnknownOperationException', `No operation at ${method} ${url.pathname}`);
    }
  }

  function list(query: URLSearchParams): unknown {
    const group = query.get('ScheduleGroup');
    const prefix = query.get('NamePrefix') ?? '';
    const state = query.get('State');
    const max = Number(query.get('MaxResults') ?? '100');
    if (!Number.isInteger(max) || max < 1 || max > 100) {
      throw new SchedulerValidationError('MaxResults must be an integer from 1 to 100');
    }
    const start = Number(query.get('NextToken') ?? '0');
    if (!Number.isInteger(start) || start < 0) throw new SchedulerValidationError('NextToken is not valid');
    const matching = [...schedules.values()]
      .filter((s) => (group === null || s.groupName === group) && s.name.startsWith(prefix))
      .filter((s) => state === null || s.state === state)
      .sort((a, b) => scheduleKey(a.groupName, a.name).localeCompare(scheduleKey(b.groupName, b.name)));
    const page = matching.slice(start, start + max);
    return {
      Schedules: page.map((s) => ({
        Arn: s.arn,
        Name: s.name,
        GroupName: s.groupName,
        State: s.state,
        CreationDate: s.creationDate / 1000,
        LastModificationDate: s.lastModificationDate / 1000,
        Target: { Arn: s.target.Arn },
      })),
      ...(start + max < matching.length ? { NextToken: String(start + max) } : {}),
    };
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost');
    try {
      const raw = await readBody(req, MAX_BODY_BYTES);
      if (raw === 'too_large') {
        req.destroy();
        throw new SchedulerValidationError('The request body is too large');
      }
      if (raw === 'aborted') throw new Error('The client closed the connection before its body ended');
      let body: unknown = undefined;
      if (raw.length > 0) {
        try {
          body = JSON.parse(raw.toString('utf8')) as unknown;
        } catch {
          throw new SchedulerValidationError('The request body is not valid JSON');
        }
      }
      sendAnswer(res, 200, await route(req.method ?? 'GET', url, body));
    } catch (error) {
      if (error instanceof ApiError) sendError(res, error.status, error.code, error.message);
      else if (error instanceof SchedulerValidationError)
        sendError(res, 400, 'ValidationException', error.message);
      else throw error;
    }
  }

  return (req, res) => {
    handle(req, res).catch((error: unknown) => {
      log(`[scheduler] ${req.method} ${req.url}: ${describeError(error)}`);
      if (!res.headersSent) sendError(res, 500, 'InternalServerException', 'Internal error');
    });
  };
}

class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function describeSchedule(s: StoredSchedule): unknown {
  return {
    Arn: s.arn,
    GroupName: s.groupName,
    Name: s.name,
    ScheduleExpression: s.scheduleExpression,
    ScheduleExpressionTimezone: s.timezone,
    State: s.state,
    ...(s.description === null ? {} : { Description: s.description }),
    CreationDate: s.creationDate / 1000,
    LastModificationDate: s.lastModificationDate / 1000,
    Target: s.target,
    FlexibleTimeWindow: s.flexibleTimeWindow,
    ActionAfterCompletion: s.actionAfterCompletion,
  };
}

function sendAnswer(
  res: ServerResponse,
  status: number,
  payload: unknown,
  headers: Record<string, string> = {},
) {
  sendJson(res, status, payload, { ...headers, 'x-amzn-requestid': randomUUID() });
}

/** restJson1 errors: the type in `x-amzn-errortype`, the message in the body. */
function sendError(res: ServerResponse, status: number, code: string, message: string): void {
  sendAnswer(res, status, { Message: message }, { 'x-amzn-errortype': code });
}
