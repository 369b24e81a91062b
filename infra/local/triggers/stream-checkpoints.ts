import { readFile, rename, writeFile } from 'node:fs/promises';

/**
 * Where the local stream poller has got to in each shard, so that a restart of `npm start` resumes
 * after the last processed record instead of reprocessing the stream from TRIM_HORIZON (what Lambda's
 * event source mapping keeps on the AWS side). In memory for tests, a JSON file under DATA_DIR otherwise.
 */

export interface ShardCheckpoint {
  /** The last record handled (processed, filtered out or sent to the failure destination). */
  sequenceNumber: string | null;
  /** A closed shard read to its end. */
  finished: boolean;
}

export interface StreamCheckpoints {
  get(streamArn: string, shardId: string): ShardCheckpoint | undefined;
  /** Whether anything was ever recorded for this stream (a first start reads LATEST if asked to). */
  knowsStream(streamArn: string): boolean;
  set(streamArn: string, shardId: string, checkpoint: ShardCheckpoint): Promise<void>;
}

type Content = Record<string, Record<string, ShardCheckpoint>>;

function fromContent(content: Content, save: (content: Content) => Promise<void>): StreamCheckpoints {
  return {
    get: (streamArn, shardId) => content[streamArn]?.[shardId],
    knowsStream: (streamArn) => streamArn in content,
    async set(streamArn, shardId, checkpoint) {
      content[streamArn] = { ...content[streamArn], [shardId]: { ...checkpoint } };
      await save(content);
    },
  };
}

export function createMemoryCheckpoints(): StreamCheckpoints {
  return fromContent({}, async () => undefined);
}

export async function createFileCheckpoints(file: string): Promise<StreamCheckpoints> {
  let content: Content = {};
  try {
    const parsed = JSON.parse(await readFile(file, 'utf8')) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    content = parsed as Content;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      // Losing the checkpoints only means reprocessing from TRIM_HORIZON; the functions are idempotent.
      console.error(
        `${file} is unreadable (${(error as Error).message}); the streams are read from the start`,
      );
    }
  }
  let chain: Promise<void> = Promise.resolve();
  let sequence = 0;
  return fromContent(content, (current) => {
    const text = `${JSON.stringify(current, null, 2)}\n`;
    const next = chain.then(async () => {
      // Write-then-rename: a crash leaves the old file or the new one, never half of one.
      const temporary = `${file}.${process.pid}.${++sequence}.tmp`;
      await writeFile(temporary, text);
      await rename(temporary, file);
    });
    chain = next.catch(() => undefined);
    return next;
  });
}
