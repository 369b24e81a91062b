import { LIMITS } from '#shared/domain/limits.ts';

/**
 * The recipients the benchmark sends: distinct valid numbers whose last four digits choose the
 * simulated outcome (mostly answered, some voicemail, no answer and busy), with typical variables.
 */

const OUTCOME_SUFFIXES = ['0004', '0002', '0001'];

/** A distinct number per index; about 70 % answered, 10 % each voicemail, no answer, busy. */
export function phoneFor(index: number): string {
  const exchange = 200 + (index % 700);
  const block = Math.floor(index / 700);
  const pick = index % 10;
  const last4 = pick < 3 ? (OUTCOME_SUFFIXES[pick] ?? '0004') : String(5000 + block * 10 + (pick - 3));
  return `+1415${exchange}${last4}`;
}

export interface JsonRecipient {
  phone: string;
  dynamic_vars: Record<string, string>;
}

export function jsonRecipients(count: number): JsonRecipient[] {
  return Array.from({ length: count }, (_, i) => ({
    phone: phoneFor(i),
    dynamic_vars: { first_name: `Customer${i}`, appointment_date: 'May 5th at 2pm' },
  }));
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A typical CSV: five short columns, about 100 bytes a row (≈ 100 KB for 1,000 rows). */
export function typicalCsv(count: number): Buffer {
  const lines = ['phone,first_name,last_name,appointment_date,clinic'];
  for (let i = 0; i < count; i++) {
    lines.push(
      [
        phoneFor(i),
        `Customer${i}`,
        'Smith-Johnson',
        'May 5th at 2:30pm',
        'Downtown Dental Clinic, 2nd floor, Suite 210',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return Buffer.from(`${lines.join('\n')}\n`);
}

/**
 * A CSV close to the upload limit (5 MiB): long variable values (each within the 1,000-character
 * limit), sized so the file is about `fraction` of the limit.
 */
export function nearLimitCsv(count: number, fraction = 0.97): Buffer {
  const columns = 6;
  // The first column is the bench agent's one placeholder, which create requires.
  const header = [
    'phone',
    'first_name',
    ...Array.from({ length: columns - 1 }, (_, c) => `note_${c + 1}`),
  ].join(',');
  const perRow = Math.floor((LIMITS.maxCsvBytes * fraction - header.length) / count);
  const valueLength = Math.min(
    LIMITS.dynamicVarValueMaxLength,
    Math.floor((perRow - 16 - columns) / columns),
  );
  const filler = 'Lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor ';
  const value = filler.repeat(Math.ceil(valueLength / filler.length)).slice(0, valueLength);
  const lines = [header];
  for (let i = 0; i < count; i++) lines.push([phoneFor(i), ...Array(columns).fill(value)].join(','));
  return Buffer.from(`${lines.join('\n')}\n`);
}

/** A multipart/form-data body as a client sends it (`curl -F`), with its content type. */
export async function multipartBody(
  fields: Record<string, string>,
  csv: Buffer,
): Promise<{ body: Buffer; contentType: string }> {
  const form = new FormData();
  for (const [key, value] of Object.entries(fields)) form.set(key, value);
  form.set('csv_file', new Blob([csv], { type: 'text/csv' }), 'recipients.csv');
  const request = new Request('http://bench.local/', { method: 'POST', body: form });
  const contentType = request.headers.get('content-type');
  if (!contentType) throw new Error('FormData produced no content type');
  return { body: Buffer.from(await request.arrayBuffer()), contentType };
}
