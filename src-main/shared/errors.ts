/**
 * Typed errors whose message is one sentence a person can act on.
 * The code travels across process boundaries; the message is what the UI and CLI print.
 */
export const ERROR_CODES = [
  'IDX_FORMAT',
  'DATASET_MISSING',
  'INVALID_SPEC',
  'INVALID_SETTINGS',
  'INVALID_MESSAGE',
  'NO_MODEL',
  'BUSY',
  'TRAIN_DIVERGED',
  'BACKEND_UNAVAILABLE',
  'MODEL_FILE',
  'SWEEP_FILE',
  'UNSUPPORTED_MODEL',
  'DRAWING_FILE',
  'NOT_FOUND',
  'ENGINE_CRASHED',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export class StudioError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StudioError';
  }
}

export interface ErrorPayload {
  code: ErrorCode;
  message: string;
}

/** Turns anything thrown into the one-sentence payload that crosses process boundaries. */
export function toErrorPayload(error: unknown): ErrorPayload {
  if (error instanceof StudioError) return { code: error.code, message: error.message };
  const text = error instanceof Error ? error.message : String(error);
  const firstLine = text.split('\n')[0].trim() || 'Unknown error';
  return { code: 'INTERNAL', message: `Internal error: ${firstLine}` };
}
