/** Display formats: times in the viewer's zone, durations, percentages. */

const DATE_TIME = new Intl.DateTimeFormat(undefined, {
  year: 'numeric',
  month: 'short',
  day: 'numeric',
  hour: '2-digit',
  minute: '2-digit',
  timeZoneName: 'short',
});

export function formatDateTime(iso: string): string {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? iso : DATE_TIME.format(at);
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null) return '—';
  const s = Math.round(seconds);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, '0')} s`;
}

export function formatPercent(part: number, whole: number): string {
  if (whole === 0) return '—';
  return `${Math.round((part / whole) * 100)}%`;
}

/** `no_answer` → `no answer`, for statuses, outcomes and event names shown as words. */
export function humanize(value: string): string {
  return value.replaceAll('_', ' ');
}

/** "The agent cannot be saved yet: 2 problems to fix." */
export function problemsTitle(prefix: string, count: number): string {
  return `${prefix}: ${count} problem${count === 1 ? '' : 's'} to fix.`;
}
