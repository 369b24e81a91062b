/**
 * The EventBridge Scheduler request fields the local emulator accepts, validated as the service
 * does (names, lengths, enums, ranges) plus what the emulator cannot do (it fires `at(...)`
 * schedules in UTC only), each refusal naming the field so a mistake in the adapter shows at once.
 */

export class SchedulerValidationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ValidationException';
  }
}

export interface RetryPolicyShape {
  MaximumRetryAttempts: number;
  MaximumEventAgeInSeconds: number;
}

export interface TargetShape {
  Arn: string;
  RoleArn: string;
  Input?: string;
  RetryPolicy: RetryPolicyShape;
  DeadLetterConfig?: { Arn: string };
}

export interface FlexibleTimeWindowShape {
  Mode: 'OFF' | 'FLEXIBLE';
  MaximumWindowInMinutes?: number;
}

/** A create or update request, as the emulator keeps it. */
export interface ScheduleDefinition {
  groupName: string;
  scheduleExpression: string;
  timezone: string;
  state: 'ENABLED' | 'DISABLED';
  description: string | null;
  flexibleTimeWindow: FlexibleTimeWindowShape;
  actionAfterCompletion: 'NONE' | 'DELETE';
  target: TargetShape;
  /** When the `at(...)` expression is due, epoch ms. */
  dueAt: number;
}

export const DEFAULT_GROUP = 'default';
/** The service's defaults when a target has no RetryPolicy. */
const DEFAULT_RETRY_POLICY: RetryPolicyShape = {
  MaximumRetryAttempts: 185,
  MaximumEventAgeInSeconds: 86_400,
};
const NAME = /^[0-9a-zA-Z\-_.]{1,64}$/;
const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;
const ARN = /^arn:aws(-[a-z]+)*:[a-z0-9-]+:[a-z0-9-]*:\d{12}:.+$/;
const SQS_ARN = /^arn:aws(-[a-z]+)*:sqs:[a-z0-9-]+:\d{12}:[a-zA-Z0-9_-]{1,80}$/;
const IAM_ROLE_ARN = /^arn:aws(-[a-z]+)*:iam::\d{12}:role\/[\w+=,.@/-]+$/;
const UTC_ZONES = new Set(['UTC', 'Etc/UTC', 'GMT', 'Etc/GMT']);

export function validateScheduleName(name: string): string {
  if (!NAME.test(name)) {
    throw new SchedulerValidationError(`Name must be 1–64 characters of [0-9a-zA-Z-_.], got "${name}"`);
  }
  return name;
}

export function validateGroupName(value: unknown, field = 'GroupName'): string {
  if (value === undefined || value === null) return DEFAULT_GROUP;
  if (typeof value !== 'string' || !NAME.test(value)) {
    throw new SchedulerValidationError(`${field} must be 1–64 characters of [0-9a-zA-Z-_.]`);
  }
  return value;
}

/** Epoch ms of an `at(yyyy-mm-ddThh:mm:ss)` expression read in UTC. */
export function parseAtExpression(expression: string): number {
  const match = AT.exec(expression);
  if (!match) {
    if (/^(rate|cron)\(/.test(expression)) {
      throw new SchedulerValidationError(
        `ScheduleExpression: the local scheduler runs one-time at(...) schedules only, got "${expression}"`,
      );
    }
    throw new SchedulerValidationError(
      `ScheduleExpression must be at(yyyy-mm-ddThh:mm:ss), rate(...) or cron(...), got "${expression}"`,
    );
  }
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const date = new Date(ms);
  // Date.UTC rolls 2025-02-30 over into March; the service refuses such a date.
  if (
    date.getUTCFullYear() !== year ||
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new SchedulerValidationError(`ScheduleExpression has an invalid date or time: "${expression}"`);
  }
  return ms;
}

function object(value: unknown, field: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new SchedulerValidationError(`${field} must be an object`);
  }
  return value as Record<string, unknown>;
}

function text(value: unknown, field: string, max: number, pattern?: RegExp): string {
  if (typeof value !== 'string' || value.length < 1 || value.length > max) {
    throw new SchedulerValidationError(`${field} must be a string of 1–${max} characters`);
  }
  if (pattern && !pattern.test(value))
    throw new SchedulerValidationError(`${field} is not valid: "${value}"`);
  return value;
}

function integer(value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new SchedulerValidationError(`${field} must be an integer from ${min} to ${max}`);
  }
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new SchedulerValidationError(`${field} must be one of ${allowed.join(', ')}`);
  }
  return value as T;
}

function parseTarget(value: unknown): TargetShape {
  const target = object(value, 'Target');
  const known = new Set(['Arn', 'RoleArn', 'Input', 'RetryPolicy', 'DeadLetterConfig']);
  for (const key of Object.keys(target)) {
    if (!known.has(key)) {
      throw new SchedulerValidationError(`Target.${key}: the local scheduler invokes Lambda functions only`);
    }
  }
  const result: TargetShape = {
    Arn: text(target.Arn, 'Target.Arn', 1600, ARN),
    RoleArn: text(target.RoleArn, 'Target.RoleArn', 1600, IAM_ROLE_ARN),
    RetryPolicy: DEFAULT_RETRY_POLICY,
  };
  if (target.Input !== undefined) {
    const input = text(target.Input, 'Target.Input', 8192);
    try {
      JSON.parse(input);
    } catch {
      // A Lambda target's payload is the input; Lambda takes JSON only.
      throw new SchedulerValidationError('Target.Input must be JSON for a Lambda target');
    }
    result.Input = input;
  }
  if (target.RetryPolicy !== undefined) {
    const policy = object(target.RetryPolicy, 'Target.RetryPolicy');
    result.RetryPolicy = {
      MaximumRetryAttempts:
        policy.MaximumRetryAttempts === undefined
          ? DEFAULT_RETRY_POLICY.MaximumRetryAttempts
          : integer(policy.MaximumRetryAttempts, 'Target.RetryPolicy.MaximumRetryAttempts', 0, 185),
      MaximumEventAgeInSeconds:
        policy.MaximumEventAgeInSeconds === undefined
          ? DEFAULT_RETRY_POLICY.MaximumEventAgeInSeconds
          : integer(
              policy.MaximumEventAgeInSeconds,
              'Target.RetryPolicy.MaximumEventAgeInSeconds',
              60,
              86_400,
            ),
    };
  }
  if (target.DeadLetterConfig !== undefined) {
    const config = object(target.DeadLetterConfig, 'Target.DeadLetterConfig');
    result.DeadLetterConfig = { Arn: text(config.Arn, 'Target.DeadLetterConfig.Arn', 1600, SQS_ARN) };
  }
  return result;
}

function parseFlexibleTimeWindow(value: unknown): FlexibleTimeWindowShape {
  const window = object(value, 'FlexibleTimeWindow');
  const mode = oneOf(window.Mode, 'FlexibleTimeWindow.Mode', ['OFF', 'FLEXIBLE'] as const);
  if (mode === 'OFF') {
    if (window.MaximumWindowInMinutes !== undefined) {
      throw new SchedulerValidationError(
        'FlexibleTimeWindow.MaximumWindowInMinutes applies to FLEXIBLE only',
      );
    }
    return { Mode: 'OFF' };
  }
  return {
    Mode: 'FLEXIBLE',
    MaximumWindowInMinutes: integer(
      window.MaximumWindowInMinutes,
      'FlexibleTimeWindow.MaximumWindowInMinutes',
      1,
      1440,
    ),
  };
}

/** The body of CreateSchedule or UpdateSchedule (the name travels in the path). */
export function parseScheduleDefinition(body: unknown): ScheduleDefinition {
  const input = object(body, 'The request body');
  if (input.ScheduleExpression === undefined)
    throw new SchedulerValidationError('ScheduleExpression is required');
  if (input.Target === undefined) throw new SchedulerValidationError('Target is required');
  if (input.FlexibleTimeWindow === undefined)
    throw new SchedulerValidationError('FlexibleTimeWindow is required');
  const scheduleExpression = text(input.ScheduleExpression, 'ScheduleExpression', 256);
  const timezone =
    input.ScheduleExpressionTimezone === undefined
      ? 'UTC'
      : text(input.ScheduleExpressionTimezone, 'ScheduleExpressionTimezone', 50);
  if (!UTC_ZONES.has(timezone)) {
    throw new SchedulerValidationError(
      `ScheduleExpressionTimezone: the local scheduler supports UTC only, got "${timezone}"`,
    );
  }
  if (input.KmsKeyArn !== undefined) text(input.KmsKeyArn, 'KmsKeyArn', 2048, ARN);
  return {
    groupName: validateGroupName(input.GroupName),
    scheduleExpression,
    timezone,
    state: oneOf(input.State, 'State', ['ENABLED', 'DISABLED'] as const, 'ENABLED'),
    description: input.Description === undefined ? null : descriptionOf(input.Description),
    flexibleTimeWindow: parseFlexibleTimeWindow(input.FlexibleTimeWindow),
    actionAfterCompletion: oneOf(
      input.ActionAfterCompletion,
      'ActionAfterCompletion',
      ['NONE', 'DELETE'] as const,
      'NONE',
    ),
    target: parseTarget(input.Target),
    dueAt: parseAtExpression(scheduleExpression),
  };
}

function descriptionOf(value: unknown): string {
  if (typeof value !== 'string' || value.length > 512) {
    throw new SchedulerValidationError('Description must be a string of at most 512 characters');
  }
  return value;
}
