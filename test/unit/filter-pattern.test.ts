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

  it('applies the wiring’s stream filters: batches, and recipients ending an attempt', () => {
    const source = STREAM_SOURCES[0];
    if (!source) throw new Error('no stream source');
    const passes = compileFilters(source.filters);
    expect(passes(record('INSERT', { entity: { S: 'batch' }, status: { S: 'pending' } }))).toBe(true);
    expect(passes(record('MODIFY', { entity: { S: 'recipient' }, status: { S: 'completed' } }))).toBe(true);
    expect(passes(record('MODIFY', { entity: { S: 'recipient' }, status: { S: 'failed' } }))).toBe(true);
    // A claim (pending → dialing) wakes nothing: the live log is written by the claim itself.
    expect(passes(record('MODIFY', { entity: { S: 'recipient' }, status: { S: 'dialing' } }))).toBe(false);
    expect(passes(record('MODIFY', { entity: { S: 'recipient' }, status: { S: 'skipped' } }))).toBe(false);
    expect(passes(record('INSERT', { entity: { S: 'liveEvent' } }))).toBe(false);
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
    expect(() => compileFilterPattern({ a: [['x']] })).toThrow(/a\[0\]/);
    expect(() => compileFilterPattern({})).toThrow(FilterPatternError);
  });

  // The wiring's filters use lists of exact values only; the content-filter operators are refused, so a
  // wiring that starts using one fails loudly here instead of filtering differently than Lambda.
  it.each([
    ['exists', { exists: true }],
    ['prefix', { prefix: 'BATCH#' }],
    ['suffix', { suffix: '.json' }],
    ['anything-but', { 'anything-but': 'dialing' }],
    ['numeric', { numeric: ['>', 0] }],
  ])('refuses the %s operator', (operator, rule) => {
    expect(() => compileFilterPattern({ status: [rule] })).toThrow(
      new RegExp(`status\\[0\\].*unsupported operator "${operator}"`),
    );
    expect(() => compileFilterPattern({ status: ['completed', rule] })).toThrow(FilterPatternError);
  });
});
