import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Runs the project's command-line entry points as child processes, for the local-mode tests. */

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves once the combined output contains `text`; rejects if the process exits first. */
  waitFor(text: string, timeoutMs?: number): Promise<string>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** `npx tsx <script> …args` in the repository, in its own process group (like a terminal job). */
export function spawnTsx(script: string, args: string[], env: Record<string, string | undefined>): Spawned {
  const child = spawn('npx', ['tsx', script, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const listeners = new Set<() => void>();
  const onChunk = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', onChunk);
  child.stderr?.on('data', onChunk);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal })),
  );
  return {
    child,
    output: () => output,
    exited,
    waitFor(text, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!output.includes(text)) return;
          cleanup();
          resolve(output);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`Timed out waiting for "${text}". Output so far:\n${output}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        void exited.then(({ code, signal }) => {
          if (!output.includes(text)) {
            cleanup();
            reject(new Error(`Exited (${code ?? signal}) before "${text}". Output:\n${output}`));
          }
        });
        check();
      });
    },
  };
}

/** Runs a command to completion. */
export async function runTsx(
  script: string,
  args: string[],
  env: Record<string, string | undefined>,
): Promise<{ code: number | null; output: string }> {
  const spawned = spawnTsx(script, args, env);
  const { code } = await spawned.exited;
  return { code, output: spawned.output() };
}

/** Live (non-zombie) processes whose command line contains every one of `parts`. */
export function processesMatching(...parts: string[]): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replaceAll('\0', ' ');
      const state = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]?.charAt(0);
      if (state !== 'Z' && parts.every((part) => cmdline.includes(part))) pids.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return pids;
}

/**
 * DynamoDB Local JVMs serving the database of this DATA_DIR: `java` processes only, not the shell
 * watchdog that started one (its command line names the jar and the path too).
 */
export function dynamoJvmsOf(dataDir: string): number[] {
  return processesMatching('DynamoDBLocal.jar', `${dataDir}/dynamodb`).filter((pid) => {
    try {
      const program = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
      return program === 'java' || program.endsWith('/java');
    } catch {
      return false;
    }
  });
}
