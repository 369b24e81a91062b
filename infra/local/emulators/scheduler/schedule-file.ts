import { readFile, rename, writeFile } from 'node:fs/promises';
import type { ScheduleDefinition } from './schedule-input.ts';

/** A schedule with its bookkeeping, as the local scheduler keeps it (and writes to its file). */
export interface StoredSchedule extends ScheduleDefinition {
  name: string;
  arn: string;
  /** Epoch ms. */
  creationDate: number;
  lastModificationDate: number;
  /** Invocations tried so far (the first one included). */
  attempts: number;
  /** When the next retry is due (epoch ms); null before the first attempt. */
  nextAttemptAt: number | null;
  /** Fired for good (kept only with ActionAfterCompletion NONE). */
  completed: boolean;
}

/** Schedules are unique per group: the key of one in the scheduler's map. */
export function scheduleKey(groupName: string, name: string): string {
  return `${groupName}/${name}`;
}

interface FileContent {
  version: 1;
  schedules: StoredSchedule[];
}

export class ScheduleFileError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ScheduleFileError';
  }
}

export async function readScheduleFile(file: string): Promise<StoredSchedule[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  let content: Partial<FileContent>;
  try {
    content = JSON.parse(text) as Partial<FileContent>;
  } catch {
    throw new ScheduleFileError(
      `${file} is not valid JSON; fix or remove it (pending schedules are lost then)`,
    );
  }
  if (content.version !== 1 || !Array.isArray(content.schedules)) {
    throw new ScheduleFileError(`${file} is not a schedules file of this version; fix or remove it`);
  }
  return content.schedules;
}

/**
 * Writes are chained, and each one replaces the file by a rename, so a crash leaves either the old
 * or the new content, never half of it.
 */
export function createScheduleFileWriter(file: string): {
  write(schedules: StoredSchedule[]): Promise<void>;
} {
  let chain: Promise<void> = Promise.resolve();
  let sequence = 0;
  return {
    write(schedules) {
      const content: FileContent = { version: 1, schedules: structuredClone(schedules) };
      const next = chain.then(async () => {
        const temporary = `${file}.${process.pid}.${++sequence}.tmp`;
        await writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`);
        await rename(temporary, file);
      });
      chain = next.catch(() => undefined);
      return next;
    },
  };
}
