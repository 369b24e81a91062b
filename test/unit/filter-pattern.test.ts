import { describe, expect, it } from 'vitest';
import { STREAM_SOURCES } from '#infra/wiring.ts';
import {
  compileFilterPattern,
  compileFilters,
  FilterPatternError,
} from '#infra/local/triggers/filter-pattern.ts';

const record = (eventName: string, image: Record<string, unknown> | undefined) => ({
  eventName,
  eventSource: 'aws:dynamodb',
  dynamodb: { Keys: { PK: { S: 'x' } }, ...(image ? { NewImage: image } : {}) },
});

describe('filter patterns', () => {
  it('matches nested objects against lists of allowed values', () => {
    const match = compileFilterPattern({
      eventName: ['INSERT', 'MODIFY'],
      dynamodb: { NewImage: { entity: { S: ['batch'] } } },
    });
    expect(match(record('INSERT', { entity: { S: 'batch' } }))).toBe(true);
    expect(match(record('MODIFY', { entity: { S: 'batch' } }))).toBe(true);
    expect(match(record('REMOVE', { entity: { S: 'batch' } }))).toBe(false);
    expect(match(record('INSERT', { entity: { S: 'agent' } }))).toBe(false);
    expect(match(record('INSERT', undefined))).toBe(false);
    expect(match(record('INSERT', { entity: { N: 'batch' } }))).toBe(false);
  });

  it('applies the wiring’s stream filters: batches, and recipients that ended', () => {
    const source = STREAM_SOURCES[0];
    if (!source) throw new Error('no stream source');
    const passes = compileFilters(source.filters);
    expect(passes(record('INSERT', { entity: { S: 'batch' }, status: { S: 'pending' } }))).toBe(true);
    expect(passes(record('MODIFY', { entity: { S: 'recipient' }, status: { S: 'completed' } }))).toBe(true);
    expect(passes(record('MODIFY', { entity: { S: 'recipient' }, status: { S: 'failed' } }))).toBe(true);
    expect(passes(record('MODIFY', { entity: { S: 'recipient' }, status: { S: 'dialing' } }))).toBe(false);
    expect(passes(record('INSERT', { entity: { S: 'recipient' }, status: { S: 'pending' } }))).toBe(false);
    expect(passes(record('INSERT', { entity: { S: 'workspace' } }))).toBe(false);
  });

  it('matches any element of an array field, numbers, booleans and null', () => {
    const match = compileFilterPattern({ tags: ['a'], n: [5], b: [true], z: [null] });
    expect(match({ tags: ['x', 'a'], n: 5, b: true, z: null })).toBe(true);
    expect(match({ tags: ['x'], n: 5, b: true, z: null })).toBe(false);
    expect(match({ tags: ['a'], n: '5', b: true, z: null })).toBe(false);
    expect(match({ tags: ['a'], n: 5, b: 'true', z: null })).toBe(false);
    expect(match({ tags: ['a'], n: 5, b: true })).toBe(false);
  });

  it('supports exists', () => {
    const present = compileFilterPattern({ dynamodb: { NewImage: { error: { S: [{ exists: true }] } } } });
    const absent = compileFilterPattern({ dynamodb: { NewImage: { error: [{ exists: false }] } } });
    const withError = record('MODIFY', { error: { S: 'boom' } });
    const without = record('MODIFY', { status: { S: 'ok' } });
    expect(present(withError)).toBe(true);
    expect(present(without)).toBe(false);
    expect(absent(withError)).toBe(false);
    expect(absent(without)).toBe(true);
    // A missing parent object means a missing field.
    expect(absent(record('MODIFY', undefined))).toBe(true);
    // exists:true is about leaf values: an object is not one.
    expect(compileFilterPattern({ a: [{ exists: true }] })({ a: { b: 1 } })).toBe(false);
  });

  it('supports prefix, suffix and numeric', () => {
    const prefix = compileFilterPattern({ PK: { S: [{ prefix: 'BATCH#' }] } });
    expect(prefix({ PK: { S: 'BATCH#1' } })).toBe(true);
    expect(prefix({ PK: { S: 'WS#1' } })).toBe(false);
    expect(prefix({ PK: { N: 'BATCH#1' } })).toBe(false);
    const suffix = compileFilterPattern({ key: [{ suffix: '.json' }] });
    expect(suffix({ key: 'a.json' })).toBe(true);
    expect(suffix({ key: 'a.csv' })).toBe(false);
    const numeric = compileFilterPattern({ n: [{ numeric: ['>', 0, '<=', 5] }] });
    expect(numeric({ n: 5 })).toBe(true);
    expect(numeric({ n: 0 })).toBe(false);
    expect(numeric({ n: '3' })).toBe(false);
  });

  it('supports anything-but with a value, a list or a prefix, and never matches a missing field', () => {
    const one = compileFilterPattern({ status: [{ 'anything-but': 'dialing' }] });
    expect(one({ status: 'pending' })).toBe(true);
    expect(one({ status: 'dialing' })).toBe(false);
    expect(one({})).toBe(false);
    const list = compileFilterPattern({ status: [{ 'anything-but': ['dialing', 'pending'] }] });
    expect(list({ status: 'completed' })).toBe(true);
    expect(list({ status: 'pending' })).toBe(false);
    const prefix = compileFilterPattern({ id: [{ 'anything-but': { prefix: 'test-' } }] });
    expect(prefix({ id: 'prod-1' })).toBe(true);
    expect(prefix({ id: 'test-1' })).toBe(false);
  });

  it('mixes values and operators in one list (any rule may match)', () => {
    const match = compileFilterPattern({ status: ['completed', { prefix: 'fail' }] });
    expect(match({ status: 'completed' })).toBe(true);
    expect(match({ status: 'failed' })).toBe(true);
    expect(match({ status: 'dialing' })).toBe(false);
  });

  it('lets everything through without patterns, and any pattern of several', () => {
    expect(compileFilters([])({ anything: 1 })).toBe(true);
    const either = compileFilters([{ a: [1] }, { b: [2] }]);
    expect(either({ a: 1 })).toBe(true);
    expect(either({ b: 2 })).toBe(true);
    expect(either({ a: 2, b: 1 })).toBe(false);
  });

  it('refuses patterns outside the supported syntax, naming where', () => {
    expect(() => compileFilterPattern({ eventName: 'INSERT' })).toThrow(FilterPatternError);
    expect(() => compileFilterPattern({ eventName: 'INSERT' })).toThrow(/eventName/);
    expect(() => compileFilterPattern({ a: { b: [] } })).toThrow(/a\.b/);
    expect(() => compileFilterPattern({ a: [{ wildcard: '*x' }] })).toThrow(
      /unsupported operator "wildcard"/,
    );
    expect(() => compileFilterPattern({ a: [{ exists: 'yes' }] })).toThrow(/exists/);
    expect(() => compileFilterPattern({ a: [{ numeric: ['>', 'x'] }] })).toThrow(/numeric/);
    expect(() => compileFilterPattern({ a: [{ prefix: 'x', suffix: 'y' }] })).toThrow(/exactly one key/);
    expect(() => compileFilterPattern({})).toThrow(FilterPatternError);
  });
});
