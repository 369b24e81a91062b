/**
 * What a finished call said: its transcript, the agent's evaluations and the data it collected, and
 * a recording. Read from a provider's callback (ports/dialer.ts), stored by the transcript store and
 * answered by the API (contracts/run.ts).
 */

export interface TranscriptTurn {
  role: 'agent' | 'user';
  message: string;
  time_in_call_secs: number;
}

export interface EvaluationResult {
  id: string;
  result: 'success' | 'failure' | 'unknown';
  rationale: string;
}

export interface Conversation {
  transcript: TranscriptTurn[];
  evaluations: EvaluationResult[];
  dataCollection: Record<string, { value: string | number | boolean | null; rationale: string }>;
  recordingUrl: string | null;
}
