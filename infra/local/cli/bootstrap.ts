import { chmod, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hashApiKey, isWellFormedApiKey } from '#shared/domain/api-key.ts';
import { StateConflictError } from '#shared/domain/errors.ts';
import { createWorkspaceWithKey, issueApiKey } from '#shared/app/workspaces.ts';
import type { WorkspaceStore } from '#shared/ports/store.ts';

/**
 * First-run setup of `npm start`: the local workspace and its key (straight in the store, as an
 * operator would with the admin command), then a simulated number and a demo agent made through the
 * public API, as a user would. What it made is remembered in DATA_DIR/local.json, so a restart finds
 * it again and recreates only what was deleted.
 */

export interface LocalState {
  workspaceId: string;
  /**
   * The generated key in plain text. DATA_DIR/local.json is the one place a plaintext key lives
   * (the store keeps hashes only), so that a restart can print it again; the file is chmod 600.
   */
  apiKey: string;
  apiKeyId: string;
  phoneNumberId: string | null;
  agentId: string | null;
}

export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

export const LOCAL_WORKSPACE_NAME = 'Local workspace';

export function localStatePath(dataDir: string): string {
  return join(dataDir, 'local.json');
}

export async function readLocalState(dataDir: string): Promise<LocalState | null> {
  let text: string;
  try {
    text = await readFile(localStatePath(dataDir), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  const parsed = JSON.parse(text) as Partial<LocalState>;
  if (
    typeof parsed.workspaceId !== 'string' ||
    typeof parsed.apiKey !== 'string' ||
    typeof parsed.apiKeyId !== 'string'
  ) {
    throw new BootstrapError(
      `${localStatePath(dataDir)} is damaged; remove it (and DATA_DIR/dynamodb) to start afresh`,
    );
  }
  return {
    workspaceId: parsed.workspaceId,
    apiKey: parsed.apiKey,
    apiKeyId: parsed.apiKeyId,
    phoneNumberId: typeof parsed.phoneNumberId === 'string' ? parsed.phoneNumberId : null,
    agentId: typeof parsed.agentId === 'string' ? parsed.agentId : null,
  };
}

export async function writeLocalState(dataDir: string, state: LocalState): Promise<void> {
  const file = localStatePath(dataDir);
  const temporary = `${file}.${process.pid}.tmp`;
  // Created owner-only, and chmod again in case an older file had looser permissions.
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, file);
}

export interface WorkspaceBootstrap {
  state: LocalState;
  /** The key to print: BATCH_CALLS_API_KEY when given, else the generated one. */
  apiKey: string;
  notices: string[];
}

/** Finds or creates the local workspace and makes sure the keys to print actually work. */
export async function ensureLocalWorkspace(
  store: WorkspaceStore,
  dataDir: string,
  envApiKey: string | undefined,
): Promise<WorkspaceBootstrap> {
  const notices: string[] = [];
  if (envApiKey !== undefined && !isWellFormedApiKey(envApiKey)) {
    throw new BootstrapError('BATCH_CALLS_API_KEY must be 8–256 visible ASCII characters without spaces');
  }

  let state = await readLocalState(dataDir);
  if (state && !(await store.getWorkspace(state.workspaceId))) {
    notices.push(
      `Workspace ${state.workspaceId} from local.json is not in the store any more; creating a new one.`,
    );
    state = null;
  }
  if (!state) {
    const created = await createWorkspaceWithKey(store, { name: LOCAL_WORKSPACE_NAME });
    state = {
      workspaceId: created.workspace.id,
      apiKey: created.key.apiKey,
      apiKeyId: created.key.record.id,
      phoneNumberId: null,
      agentId: null,
    };
    await writeLocalState(dataDir, state);
  } else if (!(await keyBelongsTo(store, state.apiKey, state.workspaceId))) {
    // Revoked with the admin command, most likely: issue a fresh one rather than print a dead key.
    const issued = await issueApiKey(store, state.workspaceId, { name: 'local' });
    state = { ...state, apiKey: issued.apiKey, apiKeyId: issued.record.id };
    await writeLocalState(dataDir, state);
    notices.push('The saved local API key no longer works (revoked?); issued a new one.');
  }

  if (envApiKey === undefined) return { state, apiKey: state.apiKey, notices };

  const owner = await store.resolveApiKey(hashApiKey(envApiKey));
  if (owner && owner.workspaceId !== state.workspaceId) {
    throw new BootstrapError(
      `BATCH_CALLS_API_KEY belongs to another workspace (${owner.workspaceId}), not the local one (${state.workspaceId})`,
    );
  }
  if (!owner) {
    try {
      await issueApiKey(store, state.workspaceId, { name: 'BATCH_CALLS_API_KEY', apiKey: envApiKey });
    } catch (error) {
      if (error instanceof StateConflictError) {
        throw new BootstrapError('BATCH_CALLS_API_KEY was revoked; set another value or unset it');
      }
      throw error;
    }
    notices.push('Adopted BATCH_CALLS_API_KEY as a key of the local workspace.');
  }
  return { state, apiKey: envApiKey, notices };
}

async function keyBelongsTo(store: WorkspaceStore, apiKey: string, workspaceId: string): Promise<boolean> {
  const owner = await store.resolveApiKey(hashApiKey(apiKey));
  return owner?.workspaceId === workspaceId;
}

export const DEMO_PHONE_NUMBER = {
  phone_number: '+14155550100',
  label: 'Simulated outbound number',
  provider: 'simulated',
} as const;

export function demoAgentRequest(phoneNumberId: string) {
  return {
    name: 'Appointment reminder (demo)',
    prompt:
      'You are a friendly assistant calling {{first_name}} to confirm their appointment on ' +
      '{{appointment_date}}. Ask whether they can still make it; if not, offer to note a preferred new ' +
      'time. Be brief and polite, and end the call once you have an answer.',
    first_message:
      'Hi {{first_name}}, this is a quick reminder about your appointment on {{appointment_date}}. ' +
      'Can you still make it?',
    phone_number_id: phoneNumberId,
    evaluation_criteria: [
      {
        id: 'attendance_confirmed',
        description: 'The recipient said whether they will attend the appointment.',
      },
      {
        id: 'polite_close',
        description: 'The agent ended the call politely without pressuring the recipient.',
      },
    ],
    data_collection: [
      {
        id: 'will_attend',
        type: 'boolean',
        description: 'Whether the recipient will attend the appointment.',
      },
      {
        id: 'preferred_new_time',
        type: 'string',
        description: 'A new time the recipient asked for, if they cannot attend.',
      },
    ],
  };
}

/**
 * Makes sure the simulated number and the demo agent exist, creating them through the API.
 * Returns the updated state (the caller saves it) and what it did.
 */
export async function ensureDemoResources(
  apiUrl: string,
  apiKey: string,
  state: LocalState,
): Promise<{ state: LocalState; notices: string[] }> {
  const notices: string[] = [];
  const call = (method: string, path: string, body?: unknown) =>
    requestJson(apiUrl, apiKey, method, path, body);

  let phoneNumberId = state.phoneNumberId;
  let phoneRecreated = false;
  if (!phoneNumberId || (await call('GET', `/v1/phone-numbers/${phoneNumberId}`)).status === 404) {
    if (phoneNumberId) notices.push('The simulated phone number was deleted; creating it again.');
    phoneNumberId = idOf(
      await expectStatus(
        call('POST', '/v1/phone-numbers', DEMO_PHONE_NUMBER),
        201,
        'create the simulated phone number',
      ),
    );
    phoneRecreated = true;
  }

  let agentId = state.agentId;
  if (!agentId || (await call('GET', `/v1/agents/${agentId}`)).status === 404) {
    if (agentId) notices.push('The demo agent was deleted; creating it again.');
    agentId = idOf(
      await expectStatus(
        call('POST', '/v1/agents', demoAgentRequest(phoneNumberId)),
        201,
        'create the demo agent',
      ),
    );
  } else if (phoneRecreated) {
    await expectStatus(
      call('PATCH', `/v1/agents/${agentId}`, { phone_number_id: phoneNumberId }),
      200,
      'bind the demo agent to the new simulated number',
    );
  }
  return { state: { ...state, phoneNumberId, agentId }, notices };
}

interface JsonAnswer {
  status: number;
  json: unknown;
}

async function requestJson(
  apiUrl: string,
  apiKey: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<JsonAnswer> {
  const response = await fetch(`${apiUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${apiKey}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  const json = parseJson(text);
  return { status: response.status, json };
}

async function expectStatus(pending: Promise<JsonAnswer>, status: number, what: string): Promise<unknown> {
  const answer = await pending;
  if (answer.status !== status) {
    const error = (answer.json as { error?: { code?: string; message?: string } } | null)?.error;
    const detail = error ? `${error.code ?? 'error'}: ${error.message ?? ''}` : 'no error envelope';
    throw new BootstrapError(`Could not ${what}: HTTP ${answer.status} (${detail})`);
  }
  return answer.json;
}

function idOf(json: unknown): string {
  const id = (json as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') throw new BootstrapError('The API answered without an id');
  return id;
}

function parseJson(text: string): unknown {
  if (text === '') return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}
