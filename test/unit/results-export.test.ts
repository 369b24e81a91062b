import { describe, expect, it } from 'vitest';
import { newRecipient, type Recipient } from '#shared/domain/recipient.ts';
import {
  csvCell,
  exportFileName,
  renderExport,
  variableColumnsOf,
  type ExportConversation,
  type ExportInput,
} from '#shared/domain/results-export.ts';

function recipient(
  index: number,
  phone: string,
  vars: Recipient['dynamicVars'],
  extra: Partial<Recipient> = {},
) {
  return {
    ...newRecipient({
      id: `rcp_${index}`,
      batchId: 'batch_1',
      workspaceId: 'ws_1',
      index,
      phone,
      dynamicVars: vars,
    }),
    ...extra,
  };
}

function input(overrides: Partial<ExportInput> = {}): ExportInput {
  return {
    variableColumns: ['zeta', 'alpha'],
    recipients: [
      recipient(
        0,
        '+14155551234',
        { alpha: 'A', zeta: 'Z' },
        { status: 'completed', outcome: 'answered', attempts: 1 },
      ),
      recipient(1, '+14155550002', { zeta: '=cmd', alpha: '-1', extra: 'x,y' }),
    ],
    conversations: new Map<string, ExportConversation>([
      [
        'rcp_0',
        {
          evaluations: [{ id: 'goal', result: 'success', rationale: 'r' }],
          dataCollection: {
            confirmed: { value: true, rationale: 'r' },
            note: { value: '@SUM(1)', rationale: '' },
          },
        },
      ],
    ]),
    criterionIds: ['goal'],
    dataItemIds: ['confirmed'],
    ...overrides,
  };
}

describe('results export', () => {
  it('writes phone, the stored variable order, the result columns, then eval. and data. columns', () => {
    const [header, first, second] = [...renderExport('csv', input())];
    expect(header).toBe(
      'phone,zeta,alpha,extra,status,outcome,skip_reason,attempts,started_at,ended_at,duration_secs,conversation_id,error,eval.goal,data.confirmed,data.note\r\n',
    );
    expect(first).toBe("+14155551234,Z,A,,completed,answered,,1,,,,,,success,true,'@SUM(1)\r\n");
    // Formula starts are prefixed (the phone's `+` is not), and a comma is quoted.
    expect(second).toBe('+14155550002,\'=cmd,\'-1,"x,y",pending,,,0,,,,,,,,\r\n');
  });

  it('prefixes every formula start, quotes what RFC 4180 needs, and keeps edge spaces', () => {
    for (const start of ['=', '+', '-', '@', '\t', '\r'])
      expect(csvCell(`${start}1`).includes(`'${start}1`)).toBe(true);
    expect(csvCell('+14155551234', true)).toBe('+14155551234');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(' padded ')).toBe('" padded "');
    expect(csvCell(null)).toBe('');
    expect(csvCell(false)).toBe('false');
  });

  it('writes JSONL unprefixed, variables under dynamic_vars in column order', () => {
    const lines = [...renderExport('jsonl', input())].map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines).toHaveLength(2);
    expect(Object.keys(lines[0] ?? {})).toEqual([
      'phone',
      'dynamic_vars',
      'status',
      'outcome',
      'skip_reason',
      'attempts',
      'started_at',
      'ended_at',
      'duration_secs',
      'conversation_id',
      'error',
      'evaluations',
      'data_collection',
    ]);
    expect(lines[1]?.dynamic_vars).toEqual({ zeta: '=cmd', alpha: '-1', extra: 'x,y' });
    expect(Object.keys(lines[1]?.dynamic_vars as object)).toEqual(['zeta', 'alpha', 'extra']);
    expect(lines[0]?.evaluations).toEqual({ goal: 'success' });
    expect(lines[0]?.data_collection).toEqual({ confirmed: true, note: '@SUM(1)' });
    expect(lines[1]?.data_collection).toEqual({ confirmed: null, note: null });
  });

  it('falls back to first-seen order for a batch stored without its columns', () => {
    expect(variableColumnsOf([{ dynamicVars: { b: 1, a: 2 } }, { dynamicVars: { c: 3, a: 4 } }])).toEqual([
      'b',
      'a',
      'c',
    ]);
    const [header] = [...renderExport('csv', input({ variableColumns: [] }))];
    expect(header?.startsWith('phone,alpha,zeta,extra,status')).toBe(true);
  });

  it('names the file after the batch', () => {
    expect(exportFileName({ id: 'batch_01', name: 'Café reminders: May!' }, 'csv')).toBe(
      'cafe-reminders-may-batch_01.csv',
    );
    expect(exportFileName({ id: 'batch_01', name: '✓✓' }, 'jsonl')).toBe('batch_01.jsonl');
  });
});
